package com.example.values;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;

public class Order implements Serializable {
    private static final long serialVersionUID = 1L;
    private Customer customer;
    private BigDecimal total;
    private Date created;
    private List<String> notes;

    public Order() {}
    public Order(Customer customer, BigDecimal total, Date created, List<String> notes) {
        this.customer = customer; this.total = total; this.created = created; this.notes = notes;
    }
}
