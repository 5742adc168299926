package com.example;

import java.util.ArrayList;
import java.util.List;

public class EchoServiceImpl implements EchoService {
    /** A server made slow on purpose (-Dpmesh.echo.delayMs=300): for balancer tests. */
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
    public Person older(Person person, int years) {
        List<String> tags = new ArrayList<>(person.getTags());
        tags.add("older");
        return new Person(person.getName(), person.getAge() + years, person.getId(), tags);
    }

    @Override
    public String describe(Person person) {
        return person.toString();
    }

    @Override
    public String fail(String message) throws EchoException {
        throw new EchoException(message);
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
    public String nonce(String nonce) {
        return nonce;
    }
}
