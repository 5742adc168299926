package com.example.triple;

import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;

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
}
