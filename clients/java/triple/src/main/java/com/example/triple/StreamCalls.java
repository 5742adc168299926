package com.example.triple;

import com.google.protobuf.StringValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.dubbo.common.stream.StreamObserver;

/**
 * The consumer's streaming commands over Dubbo's StreamObserver API. Each returns every
 * message the provider sent, in the order they arrived.
 *
 *   serverStream COUNT    the provider sends COUNT messages
 *   clientStream A B ...  sends A, B, ... then completes; the provider answers once
 *   bidi A B ...          sends A, B, ... and reads an echo of each, then completes
 *   bidiCancel A          sends A, reads its echo, cancels the stream (onError: RST_STREAM),
 *                         then opens another bidi on the same connection and sends "after"
 *   pbServerStream COUNT, pbBidi A B ...   the same in protobuf mode (PbGreeter)
 */
final class StreamCalls {
    private StreamCalls() {}

    private static final long WAIT_SECONDS = 60;

    static boolean handles(String command) {
        return List.of("serverStream", "clientStream", "bidi", "bidiCancel", "pbServerStream", "pbBidi").contains(command);
    }

    /** The commands on PbGreeter, the protobuf-mode service. */
    static boolean onPbGreeter(String command) {
        return command.startsWith("pb");
    }

    /** Protobuf mode: the messages are StringValue; the same commands, with a "pb" prefix. */
    static List<String> runPb(PbGreeter greeter, String command, String[] args) throws Exception {
        Collector replies = new Collector();
        StreamObserver<StringValue> unwrapping = new StreamObserver<>() {
            @Override
            public void onNext(StringValue message) {
                replies.onNext(message.getValue());
            }

            @Override
            public void onError(Throwable error) {
                replies.onError(error);
            }

            @Override
            public void onCompleted() {
                replies.onCompleted();
            }
        };
        switch (command) {
            case "pbServerStream" -> greeter.pbServerStream(StringValue.of(args[0]), unwrapping);
            case "pbBidi" -> {
                StreamObserver<StringValue> requests = greeter.pbBidi(unwrapping);
                Arrays.stream(args).map(StringValue::of).forEach(requests::onNext);
                requests.onCompleted();
            }
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
        return replies.awaitEnd();
    }

    static List<String> run(Greeter greeter, String command, String[] args) throws Exception {
        Collector replies = new Collector();
        switch (command) {
            case "serverStream" -> greeter.serverStream(Integer.parseInt(args[0]), replies);
            case "clientStream" -> send(greeter.clientStream(replies), args).onCompleted();
            case "bidi" -> send(greeter.bidi(replies), args).onCompleted();
            case "bidiCancel" -> {
                StreamObserver<String> requests = send(greeter.bidi(replies), args);
                replies.awaitCount(args.length);
                requests.onError(new IllegalStateException("the consumer cancels"));
                // The same connection then carries a stream to its end.
                List<String> all = replies.soFar();
                all.addAll(run(greeter, "bidi", new String[] {"after"}));
                return all;
            }
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
        return replies.awaitEnd();
    }

    private static StreamObserver<String> send(StreamObserver<String> requests, String[] messages) {
        Arrays.stream(messages).forEach(requests::onNext);
        return requests;
    }

    /** Keeps what arrives; completes when the provider completes or fails. */
    private static final class Collector implements StreamObserver<String> {
        private final List<String> messages = new ArrayList<>();
        private final CompletableFuture<List<String>> end = new CompletableFuture<>();

        @Override
        public synchronized void onNext(String message) {
            messages.add(message);
            notifyAll();
        }

        @Override
        public void onError(Throwable error) {
            end.completeExceptionally(error);
        }

        @Override
        public synchronized void onCompleted() {
            end.complete(new ArrayList<>(messages));
        }

        synchronized List<String> soFar() {
            return new ArrayList<>(messages);
        }

        synchronized void awaitCount(int count) throws InterruptedException, TimeoutException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (messages.size() < count) {
                long left = until - System.nanoTime();
                if (left <= 0) throw new TimeoutException("got " + messages.size() + " of " + count + " messages");
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        List<String> awaitEnd() throws Exception {
            try {
                return end.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }
}
