package com.example;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class EchoServiceImpl implements EchoService {
    /** A provider made slow on purpose (-Dpmesh.echo.delayMs=300): for balancer tests. */
    private static final long ECHO_DELAY_MS = Long.getLong("pmesh.echo.delayMs", 0L);

    @Override
    public String echo(String text) {
        if (ECHO_DELAY_MS > 0) {
            try {
                Thread.sleep(ECHO_DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return text;
    }

    @Override
    public int add(int a, int b) {
        return a + b;
    }

    @Override
    public long addLong(long a, long b) {
        return a + b;
    }

    @Override
    public Person greet(Person person) {
        List<String> tags = new ArrayList<>(person.getTags() == null ? List.of() : person.getTags());
        tags.add("greeted");
        return new Person("Hello " + person.getName(), person.getAge() + 1, person.getId(), tags);
    }

    @Override
    public String mixed(boolean flag, double ratio, byte[] data, Date when, List<String> names, Map<String, Integer> counts) {
        // TreeMap so the reply text does not depend on HashMap order.
        return "flag=" + flag + " ratio=" + ratio + " data=" + (data == null ? -1 : data.length)
                + " when=" + (when == null ? "null" : when.getTime()) + " names=" + names
                + " counts=" + (counts == null ? "null" : new TreeMap<>(counts));
    }

    @Override
    public String nothing() {
        return null;
    }

    @Override
    public String fail(String reason) throws EchoException {
        throw new EchoException("fail: " + reason);
    }

    @Override
    public String sleep(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "slept " + millis;
    }

    @Override
    public void forget(String key) {
        // nothing to forget: the call exists for its void return
    }

    @Override
    public String nonce(String token) {
        return "nonce:" + token;
    }
}
