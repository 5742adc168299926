package com.example.values;

import java.io.Serializable;

public class Customer implements Serializable {
    private static final long serialVersionUID = 1L;
    private String name;
    private long id;
    private Address address;
    private Color color;

    public Customer() {}
    public Customer(String name, long id, Address address, Color color) {
        this.name = name; this.id = id; this.address = address; this.color = color;
    }
}
