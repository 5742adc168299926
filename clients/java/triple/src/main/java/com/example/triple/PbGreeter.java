package com.example.triple;

import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import org.apache.dubbo.common.stream.StreamObserver;

/**
 * Triple's protobuf mode: every method takes and returns one protobuf message, so Dubbo
 * sends it as plain gRPC (application/grpc+proto), with no wrapper. The messages are
 * protobuf-java's own well-known types, so no code generation is needed.
 */
public interface PbGreeter {
    /** "TAG hello NAME". */
    StringValue greet(StringValue name);

    /** A message whose JSON is an object: the fields it was sent plus "tag". */
    Struct describe(Struct fields);

    /** Server streaming in protobuf mode: "TAG #1" ... "TAG #COUNT" for a request "COUNT". */
    void pbServerStream(StringValue count, StreamObserver<StringValue> replies);

    /** Bidi in protobuf mode: "TAG echo X" for each X, in order. */
    StreamObserver<StringValue> pbBidi(StreamObserver<StringValue> replies);
}
