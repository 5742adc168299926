package com.example;

import java.util.Date;
import java.util.List;
import java.util.Map;

/** The service every Dubbo interop test calls; exported with version 1.0.0. */
public interface EchoService {
    String echo(String text);

    int add(int a, int b);

    long addLong(long a, long b);

    /** POJO in, POJO out: exercises class definitions in both directions. */
    Person greet(Person person);

    /** Several Hessian shapes in one call (boolean, double, binary, date, list, map). */
    String mixed(boolean flag, double ratio, byte[] data, Date when, List<String> names, Map<String, Integer> counts);

    /** Returns null: the provider answers with the null-value result flag. */
    String nothing();

    /** Always throws the service's own checked exception. */
    String fail(String reason) throws EchoException;

    /** Sleeps, then answers: for timeout tests. */
    String sleep(int millis);

    /** Returns nothing (void): the provider answers with the null-value result flag. */
    void forget(String key);

    /** Answers "nonce:" + token so concurrent callers can detect cross-talk. */
    String nonce(String token);
}
