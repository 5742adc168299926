package com.example.triple;

/**
 * Triple's non-IDL mode: a plain Java interface. Dubbo wraps each call's arguments
 * (Hessian2) in its protobuf TripleRequestWrapper and sends it as gRPC.
 */
public interface Greeter {
    /** "TAG hello NAME", TAG naming the export (group/version) that answered. */
    String greet(String name);

    int add(int a, int b);

    /** Sleeps, then answers "slept MS". */
    String sleep(int ms);

    /** Throws IllegalStateException("fail: " + reason). */
    String fail(String reason);
}
