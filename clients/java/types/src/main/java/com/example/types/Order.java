package com.example.types;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every type the bridge must carry exactly, nested three deep (Order -> Customer -> Address). */
public class Order implements Serializable {
    private static final long serialVersionUID = 1L;
    public long id;
    public int count;
    public short priority;
    public byte flag;
    public float ratio;
    public double weight;
    public boolean paid;
    public char grade;
    public String note;
    public Date created;
    public BigDecimal total;
    public BigInteger serial;
    public byte[] payload;
    public int[] counts;
    public Color color;
    public Customer customer;
    public List<Item> items;
    public Set<String> labels;
    /** Keys that are not strings. */
    public Map<Integer, String> tags;
    public String missing;

    public Order() {}
}
