package com.example.triple;

import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.List;
import org.apache.dubbo.common.stream.StreamObserver;

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

            @Override
            public void serverStream(int count, StreamObserver<String> replies) {
                for (int i = 1; i <= count; i++) replies.onNext(tag + " #" + i);
                replies.onCompleted();
            }

            @Override
            public StreamObserver<String> clientStream(StreamObserver<String> reply) {
                List<String> seen = new ArrayList<>();
                return new Inbound("clientStream", tag) {
                    @Override
                    public void onNext(String message) {
                        seen.add(message);
                    }

                    @Override
                    public void onCompleted() {
                        reply.onNext(tag + " got " + seen.size() + ": " + String.join(",", seen));
                        reply.onCompleted();
                    }
                };
            }

            @Override
            public StreamObserver<String> bidi(StreamObserver<String> replies) {
                return new Inbound("bidi", tag) {
                    @Override
                    public void onNext(String message) {
                        replies.onNext(tag + " echo " + message);
                    }

                    @Override
                    public void onCompleted() {
                        System.out.println("PROVIDER COMPLETED bidi " + tag);
                        System.out.flush();
                        replies.onCompleted();
                    }
                };
            }
        };
    }

    /**
     * A provider's side of a caller's stream. A caller's cancel (RST_STREAM) reaches it as
     * onError: printed as "PROVIDER CANCELLED METHOD TAG: STATUS" so a test can see it arrive
     * (and, against "PROVIDER COMPLETED bidi TAG", when).
     */
    private abstract static class Inbound implements StreamObserver<String> {
        private final String method;
        private final String tag;

        Inbound(String method, String tag) {
            this.method = method;
            this.tag = tag;
        }

        @Override
        public void onError(Throwable error) {
            System.out.println("PROVIDER CANCELLED " + method + " " + tag + ": " + error);
            System.out.flush();
        }
    }

    /**
     * A class of its own, not a lambda: Dubbo 3.3 maps a service's JSON (HTTP) paths by
     * walking the methods of the implementation's class, and finds none on a lambda's,
     * which leaves the service answering JSON calls with 404.
     */
    static PbGreeter pbGreeter(String tag) {
        return new PbGreeter() {
            @Override
            public StringValue greet(StringValue name) {
                return StringValue.of(tag + " hello " + name.getValue());
            }

            @Override
            public Struct describe(Struct fields) {
                return fields.toBuilder().putFields("tag", Value.newBuilder().setStringValue(tag).build()).build();
            }

            @Override
            public void pbServerStream(StringValue count, StreamObserver<StringValue> replies) {
                int n = Integer.parseInt(count.getValue());
                for (int i = 1; i <= n; i++) replies.onNext(StringValue.of(tag + " #" + i));
                replies.onCompleted();
            }

            @Override
            public StreamObserver<StringValue> pbBidi(StreamObserver<StringValue> replies) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(StringValue message) {
                        replies.onNext(StringValue.of(tag + " echo " + message.getValue()));
                    }

                    @Override
                    public void onError(Throwable error) {
                        System.out.println("PROVIDER CANCELLED pbBidi " + tag + ": " + error);
                        System.out.flush();
                    }

                    @Override
                    public void onCompleted() {
                        replies.onCompleted();
                    }
                };
            }
        };
    }
}
