package com.example.triple;

import org.apache.dubbo.common.stream.StreamObserver;

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

    /** Server streaming: "TAG #1" ... "TAG #COUNT", then completes. */
    void serverStream(int count, StreamObserver<String> replies);

    /**
     * Client streaming: one reply, "TAG got N: A,B,...", once the caller completes. Dubbo's
     * non-IDL mode has no client-streaming kind of its own: on the wire this is a bidi stream.
     */
    StreamObserver<String> clientStream(StreamObserver<String> reply);

    /** Bidi: "TAG echo X" for each X, in order; completes when the caller does. */
    StreamObserver<String> bidi(StreamObserver<String> replies);
}
