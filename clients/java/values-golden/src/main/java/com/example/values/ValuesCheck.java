package com.example.values;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.dubbo.common.serialize.hessian2.Hessian2ObjectInput;

/**
 * Reads Hessian files back with the real Java deserializers and prints what Java got, so a
 * test can compare Java's reading of polyglot-mesh's bytes with its reading of its own.
 * Usage: ValuesCheck <dialect: dubbo|sofa> <file>...; prints "<file>\t<description>" per
 * file, the description naming every class and value (fields sorted by name, so field
 * order on the wire does not matter; a collection's class is part of it).
 */
public final class ValuesCheck {
    private ValuesCheck() {}

    static Object read(String dialect, byte[] bytes) throws Exception {
        if (dialect.equals("dubbo")) {
            return new Hessian2ObjectInput(new ByteArrayInputStream(bytes)).readObject();
        }
        com.caucho.hessian.io.Hessian2Input in = new com.caucho.hessian.io.Hessian2Input(new ByteArrayInputStream(bytes));
        in.setSerializerFactory(new com.caucho.hessian.io.SerializerFactory());
        return in.readObject();
    }

    static String describe(Object v, int depth) throws IllegalAccessException {
        if (depth > 20) return "...";
        if (v == null) return "null";
        Class<?> c = v.getClass();
        if (v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof Character) {
            return c.getSimpleName() + ":" + v;
        }
        if (v instanceof BigDecimal || v instanceof BigInteger) return c.getSimpleName() + ":" + v;
        if (v instanceof Date) return "Date:" + ((Date) v).getTime();
        if (v instanceof Enum) return c.getName() + "." + ((Enum<?>) v).name();
        if (v instanceof Throwable) {
            // java.lang is not open to reflection on Java 17: describe through the public API.
            Throwable t = (Throwable) v;
            return c.getName() + "{message=" + describe(t.getMessage(), depth + 1) + ", cause=" + describe(t.getCause(), depth + 1)
                + ", stackTrace=" + t.getStackTrace().length + ", suppressed=" + t.getSuppressed().length + "}";
        }
        if (c.isArray()) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) items.add(describe(Array.get(v, i), depth + 1));
            return c.getComponentType().getName() + "[]" + items;
        }
        if (v instanceof Collection) {
            List<String> items = new ArrayList<>();
            for (Object item : (Collection<?>) v) items.add(describe(item, depth + 1));
            return c.getName() + items;
        }
        if (v instanceof Map) {
            List<String> items = new ArrayList<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) items.add(describe(e.getKey(), depth + 1) + "=" + describe(e.getValue(), depth + 1));
            return c.getName() + items;
        }
        Map<String, String> fields = new TreeMap<>();
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                f.setAccessible(true);
                fields.put(f.getName(), describe(f.get(v), depth + 1));
            }
        }
        return c.getName() + fields;
    }

    public static void main(String[] args) throws Exception {
        String dialect = args[0];
        for (int i = 1; i < args.length; i++) {
            String description;
            try {
                description = describe(read(dialect, Files.readAllBytes(Path.of(args[i]))), 0);
            } catch (Exception e) {
                description = "ERROR " + e;
            }
            System.out.println(args[i] + "\t" + description.replace('\n', ' '));
        }
    }
}
