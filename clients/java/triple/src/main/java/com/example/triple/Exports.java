package com.example.triple;

import com.google.protobuf.StringValue;

/** The implementations, each answering with the tag of its export. */
final class Exports {
    private Exports() {}

    static Greeter greeter(String tag) {
        return new Greeter() {
            @Override
            public String greet(String name) {
                return tag + " hello " + name;
            }

            @Override
            public int add(int a, int b) {
                return a + b;
            }

            @Override
            public String sleep(int ms) {
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "slept " + ms;
            }

            @Override
            public String fail(String reason) {
                throw new IllegalStateException("fail: " + reason);
            }
        };
    }

    static PbGreeter pbGreeter(String tag) {
        return name -> StringValue.of(tag + " hello " + name.getValue());
    }
}
