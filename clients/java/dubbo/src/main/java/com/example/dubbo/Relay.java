package com.example.dubbo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A capturing TCP relay on 127.0.0.1: forwards bytes unchanged between a real consumer and a
 * real provider and cuts each direction into whole Dubbo frames (16-byte header, length at 12)
 * so the golden generator can save exactly what the peers wrote.
 */
final class Relay implements AutoCloseable {
    /** One captured frame and the direction it travelled. */
    record Frame(boolean fromConsumer, byte[] bytes) {
        int flag() { return bytes[2] & 0xff; }
        boolean isRequest() { return (flag() & 0x80) != 0; }
        boolean isEvent() { return (flag() & 0x20) != 0; }
        long id() {
            long id = 0;
            for (int i = 4; i < 12; i++) id = (id << 8) | (bytes[i] & 0xff);
            return id;
        }
    }

    private final ServerSocket server;
    private final int upstreamPort;
    private final List<Frame> frames = new ArrayList<>();

    Relay(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    synchronized int size() {
        return frames.size();
    }

    synchronized List<Frame> since(int index) {
        return new ArrayList<>(frames.subList(index, frames.size()));
    }

    private synchronized void add(Frame frame) {
        frames.add(frame);
        notifyAll();
    }

    /** Waits until a frame at or after `index` satisfies the test; throws after the timeout. */
    synchronized Frame await(int index, java.util.function.Predicate<Frame> test, long timeoutMs, String what)
            throws InterruptedException {
        long until = System.currentTimeMillis() + timeoutMs;
        for (;;) {
            for (int i = index; i < frames.size(); i++) {
                if (test.test(frames.get(i))) return frames.get(i);
            }
            long left = until - System.currentTimeMillis();
            if (left <= 0) throw new IllegalStateException("relay: no " + what + " within " + timeoutMs + " ms");
            wait(left);
        }
    }

    private void acceptLoop() {
        try {
            while (!server.isClosed()) {
                Socket consumer = server.accept();
                Socket provider = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                pump(consumer, provider, true);
                pump(provider, consumer, false);
            }
        } catch (IOException closed) {
            // The relay was closed.
        }
    }

    private void pump(Socket from, Socket to, boolean fromConsumer) {
        Thread t = new Thread(() -> {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            byte[] chunk = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(chunk)) > 0) {
                    pending.write(chunk, 0, n);
                    cut(pending, fromConsumer);
                    out.write(chunk, 0, n);
                    out.flush();
                }
            } catch (IOException closed) {
                // One side went away; closing both ends below ends the other pump too.
            } finally {
                try { from.close(); } catch (IOException ignored) { }
                try { to.close(); } catch (IOException ignored) { }
            }
        }, fromConsumer ? "relay-c2p" : "relay-p2c");
        t.setDaemon(true);
        t.start();
    }

    private void cut(ByteArrayOutputStream pending, boolean fromConsumer) {
        byte[] data = pending.toByteArray();
        int offset = 0;
        while (data.length - offset >= 16) {
            if ((data[offset] & 0xff) != 0xda || (data[offset + 1] & 0xff) != 0xbb) {
                throw new IllegalStateException("relay: not a Dubbo frame at offset " + offset);
            }
            int len = ((data[offset + 12] & 0xff) << 24) | ((data[offset + 13] & 0xff) << 16)
                    | ((data[offset + 14] & 0xff) << 8) | (data[offset + 15] & 0xff);
            if (data.length - offset < 16 + len) break;
            add(new Frame(fromConsumer, Arrays.copyOfRange(data, offset, offset + 16 + len)));
            offset += 16 + len;
        }
        pending.reset();
        pending.write(data, offset, data.length - offset);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
