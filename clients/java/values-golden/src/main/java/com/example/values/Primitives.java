package com.example.values;

import java.io.Serializable;

/** One field of every primitive type, declared in this order. */
public class Primitives implements Serializable {
    private static final long serialVersionUID = 1L;
    private boolean z;
    private byte b;
    private short s;
    private char c;
    private int i;
    private long j;
    private float f;
    private double d;

    public Primitives() {}
    public Primitives(boolean z, byte b, short s, char c, int i, long j, float f, double d) {
        this.z = z; this.b = b; this.s = s; this.c = c; this.i = i; this.j = j; this.f = f; this.d = d;
    }
}
