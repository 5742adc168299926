package com.example.types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

public class TypesServiceImpl implements TypesService {
    @Override
    public Order sampleOrder() {
        Order order = new Order();
        order.id = Long.MAX_VALUE;
        order.count = Integer.MIN_VALUE;
        order.priority = Short.MAX_VALUE;
        order.flag = Byte.MIN_VALUE;
        order.ratio = 0.1f;
        order.weight = 1e-300;
        order.paid = true;
        order.grade = 'Ω';
        order.note = "héllo 世界 😀";
        order.created = new Date(1700000000123L);
        order.total = new BigDecimal("12345678901234567890.1234567890");
        order.serial = new BigInteger("-123456789012345678901234567890");
        order.payload = new byte[] {0, 1, (byte) 0xff, 127, -128};
        order.counts = new int[] {1, -1, Integer.MAX_VALUE};
        order.color = Color.GREEN;
        Customer customer = new Customer();
        customer.name = "Ada";
        customer.address = new Address("London", "NW1");
        customer.phones = new ArrayList<>(Arrays.asList("+44 1", null, "+44 2"));
        order.customer = customer;
        order.items = new ArrayList<>(List.of(
                new Item("A-1", 2, new BigDecimal("9.99"), Color.RED),
                new Item("B-2", 1, new BigDecimal("0.000000000000000000000000000001"), Color.BLUE)));
        order.labels = new LinkedHashSet<>(List.of("new", "priority"));
        order.tags = new LinkedHashMap<>();
        order.tags.put(1, "one");
        order.tags.put(-7, "minus seven");
        order.missing = null;
        return order;
    }

    @Override
    public String checkOrder(Order o) {
        Order e = sampleOrder();
        List<String> wrong = new ArrayList<>();
        if (o.id != e.id) wrong.add("id");
        if (o.count != e.count) wrong.add("count");
        if (o.priority != e.priority) wrong.add("priority");
        if (o.flag != e.flag) wrong.add("flag");
        if (o.ratio != e.ratio) wrong.add("ratio");
        if (o.weight != e.weight) wrong.add("weight");
        if (o.paid != e.paid) wrong.add("paid");
        if (o.grade != e.grade) wrong.add("grade");
        if (!Objects.equals(o.note, e.note)) wrong.add("note");
        if (!Objects.equals(o.created, e.created)) wrong.add("created");
        if (o.total == null || o.total.compareTo(e.total) != 0 || o.total.scale() != e.total.scale()) wrong.add("total");
        if (!Objects.equals(o.serial, e.serial)) wrong.add("serial");
        if (!Arrays.equals(o.payload, e.payload)) wrong.add("payload");
        if (!Arrays.equals(o.counts, e.counts)) wrong.add("counts");
        if (o.color != e.color) wrong.add("color");
        if (o.customer == null || !Objects.equals(o.customer.name, e.customer.name)) wrong.add("customer.name");
        else {
            if (o.customer.address == null || !Objects.equals(o.customer.address.city, "London")) wrong.add("customer.address");
            if (!Objects.equals(o.customer.phones, e.customer.phones)) wrong.add("customer.phones");
        }
        if (o.items == null || o.items.size() != 2 || o.items.get(1).price.compareTo(e.items.get(1).price) != 0
                || o.items.get(0).color != Color.RED) wrong.add("items");
        if (!Objects.equals(o.labels, e.labels)) wrong.add("labels");
        if (!Objects.equals(o.tags, e.tags)) wrong.add("tags");
        if (o.missing != null) wrong.add("missing");
        return wrong.isEmpty() ? "equal" : "different: " + String.join(", ", wrong);
    }

    @Override public Order echoOrder(Order order) { return order; }
    @Override public long echoLong(long value) { return value; }
    @Override public BigDecimal echoDecimal(BigDecimal value) { return value; }
    @Override public BigInteger echoBigInteger(BigInteger value) { return value; }
    @Override public Date echoDate(Date value) { return value; }
    @Override public Color echoColor(Color value) { return value; }
    @Override public char echoChar(char value) { return value; }
    @Override public short echoShort(short value) { return value; }
    @Override public byte echoByte(byte value) { return value; }
    @Override public float echoFloat(float value) { return value; }
    @Override public byte[] echoBytes(byte[] value) { return value; }
    @Override public int[] echoInts(int[] value) { return value; }
    @Override public List<String> echoList(List<String> value) { return value; }
    @Override public Set<String> echoSet(Set<String> value) { return value; }
    @Override public Map<Integer, String> echoMap(Map<Integer, String> value) { return value; }
}
