package com.example.values;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.dubbo.common.serialize.hessian2.Hessian2ObjectOutput;

/**
 * Writes one file per (case, serializer): test/golden/values/<case>.dubbo.bin is the value as
 * Dubbo 3.3.6 writes a call argument (Hessian2ObjectOutput.writeObject, hessian-lite 4.0.4),
 * <case>.sofa.bin the same value through sofa-hessian 3.5.5's Hessian2Output.writeObject (what
 * SOFARPC 5.13 puts after the SofaRequest). The tests hold the meaning of each case; only
 * Java writes the bytes.
 */
public final class ValuesGolden {
    private ValuesGolden() {}

    private static Map<String, Object> cases() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("null", null);
        c.put("true", Boolean.TRUE);
        c.put("false", Boolean.FALSE);
        int[] ints = {0, -16, 47, 48, -17, 2047, -2048, 2048, 262143, -262144, 262144, Integer.MAX_VALUE, Integer.MIN_VALUE};
        for (int v : ints) c.put("int_" + v, v);
        long[] longs = {0L, -8L, 15L, 16L, 2047L, -2048L, 262143L, -262144L, 262144L, 2147483647L, -2147483648L,
            2147483648L, 9007199254740993L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : longs) c.put("long_" + v, v);
        c.put("short_12345", (short) 12345);
        c.put("short_-32768", Short.MIN_VALUE);
        c.put("byte_-7", (byte) -7);
        c.put("byte_127", (byte) 127);
        c.put("float_1.5", 1.5f);
        c.put("float_0.1", 0.1f);
        double[] doubles = {0.0, 1.0, -128.0, 127.0, 32767.0, -32768.0, 1.5, 0.001, -2.25, 3.141592653589793, 1e300,
            65536.0, 2147483.647, -0.0};
        for (double v : doubles) c.put("double_" + v, v);
        c.put("char_x", 'x');
        c.put("char_e9", '\u00e9');
        c.put("string_empty", "");
        c.put("string_hello", "hello");
        c.put("string_unicode", "h\u00e9llo \u4e16\u754c \ud83d\ude00");
        c.put("string_1024", "a".repeat(1024));
        c.put("date_ms", new Date(1704067200123L));
        c.put("date_minute", new Date(1704067200000L));
        c.put("date_negative", new Date(-1L));
        c.put("bigdecimal_30", new BigDecimal("123456789012345678901234.567890"));
        c.put("bigdecimal_small", new BigDecimal("-0.000001"));
        c.put("biginteger", new BigInteger("123456789012345678901234567890"));
        c.put("bytes_empty", new byte[0]);
        c.put("bytes_3", new byte[] {1, 2, (byte) 255});
        c.put("bytes_1024", filled(1024));
        c.put("bytes_8190", filled(8190));
        c.put("bytes_20000", filled(20000));
        // Binary chunks follow Hessian2Output's 8 KiB buffer: the second array starts mid-buffer.
        c.put("bytes_chunks_list", new ArrayList<>(Arrays.<Object>asList(filled(20000), "x", filled(20000))));
        c.put("string_40000", "a".repeat(32767) + "\ud83d\ude00" + "b".repeat(7231));
        c.put("list_with_null", new ArrayList<>(Arrays.asList("a", null, "c")));
        c.put("list_empty", new ArrayList<>());
        c.put("list_mixed", new ArrayList<>(Arrays.<Object>asList(1, 2L, 2.5, true, "s")));
        c.put("set_linked", new LinkedHashSet<>(Arrays.asList("x", "y")));
        c.put("set_hash", new HashSet<>(Arrays.asList(1, 2, 3)));
        c.put("set_tree", new TreeSet<>(Arrays.asList("b", "a")));
        Map<Long, String> longKeys = new HashMap<>();
        longKeys.put(1L, "one");
        longKeys.put(9007199254740993L, "big");
        c.put("map_long_keys", longKeys);
        Map<String, Integer> strKeys = new HashMap<>();
        strKeys.put("a", 1);
        c.put("map_string", strKeys);
        Map<String, Integer> tree = new TreeMap<>();
        tree.put("b", 2);
        tree.put("a", 1);
        c.put("map_tree", tree);
        Map<Integer, List<String>> nested = new LinkedHashMap<>();
        nested.put(7, new ArrayList<>(Arrays.asList("p", null)));
        c.put("map_linked_int_keys", nested);
        c.put("array_int", new int[] {1, -1, 300});
        c.put("array_long", new long[] {1L, 9007199254740993L});
        c.put("array_string", new String[] {"a", null});
        c.put("array_object", new Object[] {1, "two", null});
        c.put("array_double", new double[] {1.5, 0.0});
        c.put("array_boolean", new boolean[] {true, false});
        c.put("array_short", new short[] {1, 2});
        c.put("array_byte_boxed", new Byte[] {1, 2});
        // hessian-lite writes a boxed Float through its decimal text, a primitive float widened.
        c.put("array_float", new float[] {0.1f, 1.5f});
        c.put("array_float_boxed", new Float[] {0.1f, null});
        c.put("pojo_float_field", new Primitives(false, (byte) 0, (short) 0, 'y', 0, 0L, 0.1f, 0.1));
        c.put("array_customer", new Customer[] {new Customer("a", 1L, null, Color.RED)});
        c.put("enum_red", Color.RED);
        c.put("enum_list", new ArrayList<>(Arrays.asList(Color.GREEN, Color.BLUE, Color.GREEN)));
        c.put("pojo_primitives", new Primitives(true, (byte) -7, (short) 12345, 'x', 42, Long.MAX_VALUE, 1.5f, 0.1));
        Customer ada = new Customer("Ada", 9007199254740993L, new Address("London", 12345), Color.BLUE);
        c.put("pojo_nested", new Order(ada, new BigDecimal("123456789012345678901234.567890"), new Date(1704067200123L),
            new ArrayList<>(Arrays.asList("first", null))));
        List<Customer> twice = new ArrayList<>();
        twice.add(ada);
        twice.add(new Customer("Bob", 2L, null, null));
        c.put("pojo_list_two", twice);
        List<Object> shared = new ArrayList<>();
        shared.add(ada);
        shared.add(ada);
        c.put("pojo_shared_ref", shared);
        return c;
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) i;
        return b;
    }

    private static byte[] dubbo(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Hessian2ObjectOutput out = new Hessian2ObjectOutput(bytes);
        out.writeObject(value);
        out.flushBuffer();
        return bytes.toByteArray();
    }

    private static byte[] sofa(Object value) throws IOException {
        // Fresh factory per value: the golden is what one SofaRequest argument looks like in a new stream.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        com.caucho.hessian.io.Hessian2Output out = new com.caucho.hessian.io.Hessian2Output(bytes);
        out.setSerializerFactory(new com.caucho.hessian.io.SerializerFactory());
        out.writeObject(value);
        out.flush();
        return bytes.toByteArray();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "test/golden/values");
        Files.createDirectories(dir);
        StringBuilder index = new StringBuilder();
        for (Map.Entry<String, Object> e : cases().entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".dubbo.bin"), dubbo(e.getValue()));
            index.append(e.getKey());
            try {
                Files.write(dir.resolve(e.getKey() + ".sofa.bin"), sofa(e.getValue()));
            } catch (RuntimeException ex) {
                // sofa-hessian 3.5.5 reflects into JDK classes (e.g. BigInteger) that Java 17 does not open: no file.
                index.append(" sofa-unsupported");
            }
            index.append('\n');
        }
        Files.write(dir.resolve("cases.txt"), index.toString().getBytes(StandardCharsets.UTF_8));
        // What a Dubbo 3.3.6 provider publishes to the metadata report for ValuesService.
        String definition = org.apache.dubbo.common.utils.JsonUtils.toJson(
            org.apache.dubbo.metadata.definition.ServiceDefinitionBuilder.buildFullDefinition(ValuesService.class));
        Files.write(dir.resolve("service-definition.json"), definition.getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + cases().size() + " cases to " + dir);
    }
}
