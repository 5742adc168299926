package com.example.values;

import java.io.Serializable;

/** Third level of the nested POJO golden (Order -> Customer -> Address). */
public class Address implements Serializable {
    private static final long serialVersionUID = 1L;
    private String city;
    private int zip;

    public Address() {}
    public Address(String city, int zip) { this.city = city; this.zip = zip; }
}
