package com.example.types;

import java.io.Serializable;
import java.math.BigDecimal;

public class Item implements Serializable {
    private static final long serialVersionUID = 1L;
    public String sku;
    public int quantity;
    public BigDecimal price;
    public Color color;

    public Item() {}

    public Item(String sku, int quantity, BigDecimal price, Color color) {
        this.sku = sku;
        this.quantity = quantity;
        this.price = price;
        this.color = color;
    }
}
