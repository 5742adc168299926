package com.example.types;

import java.io.Serializable;

/** Third level of nesting: Order -> Customer -> Address. */
public class Address implements Serializable {
    private static final long serialVersionUID = 1L;
    public String city;
    public String zip;

    public Address() {}

    public Address(String city, String zip) {
        this.city = city;
        this.zip = zip;
    }
}
