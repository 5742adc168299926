package com.example;

/** The test service every Bolt interop test calls; exported as com.example.EchoService:1.0. */
public interface EchoService {
    String echo(String text);

    int add(int a, int b);

    long addLong(long a, long b);

    /** Takes a POJO argument and returns a new POJO, so both directions carry a class definition. */
    Person older(Person person, int years);

    String describe(Person person);

    /** Always throws EchoException(message): the business-exception path. */
    String fail(String message) throws EchoException;

    /** Sleeps `millis` then answers "slept <millis>": the timeout path. */
    String sleep(int millis);

    /** Returns nothing (void): the reply's appResponse is null. */
    void forget(String key);

    /** Returns the caller's nonce unchanged, so concurrent tests can detect cross-talk. */
    String nonce(String nonce);
}
