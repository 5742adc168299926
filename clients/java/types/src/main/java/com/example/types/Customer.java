package com.example.types;

import java.io.Serializable;
import java.util.List;

public class Customer implements Serializable {
    private static final long serialVersionUID = 1L;
    public String name;
    public Address address;
    /** May hold a null element. */
    public List<String> phones;

    public Customer() {}
}
