package com.example.types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A service whose methods take and return every type the bridge carries (issue 6). */
public interface TypesService {
    /** A fixed order made in Java: the reference for "exactly what Java returned". */
    Order sampleOrder();

    /** Returns the order it was given, after checking it equals sampleOrder() field by field. */
    String checkOrder(Order order);

    Order echoOrder(Order order);

    long echoLong(long value);

    BigDecimal echoDecimal(BigDecimal value);

    BigInteger echoBigInteger(BigInteger value);

    Date echoDate(Date value);

    Color echoColor(Color value);

    char echoChar(char value);

    short echoShort(short value);

    byte echoByte(byte value);

    float echoFloat(float value);

    byte[] echoBytes(byte[] value);

    int[] echoInts(int[] value);

    List<String> echoList(List<String> value);

    Set<String> echoSet(Set<String> value);

    Map<Integer, String> echoMap(Map<Integer, String> value);
}
