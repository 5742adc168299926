package com.example;

import java.util.ArrayList;
import java.util.List;

public class EchoServiceImpl implements EchoService {
    @Override
    public String echo(String text) {
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
