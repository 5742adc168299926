package com.example;

import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.Url;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.sofa.rpc.core.request.SofaRequest;
import com.alipay.sofa.rpc.core.response.SofaResponse;
import com.alipay.sofa.rpc.config.ConsumerConfig;
import com.alipay.sofa.rpc.message.MessageBuilder;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes Bolt golden frames produced by the real SOFARPC/SOFABolt client and server.
 * A capturing TCP relay sits between them; every byte each side writes is recorded
 * per connection and split into frames using the lengths in the Bolt header.
 *
 * Usage: java -cp CP com.example.GoldenGen OUT_DIR
 */
public final class GoldenGen {
    private GoldenGen() {
    }

    /** One proxied connection: what the client wrote and what the server wrote. */
    static final class Capture {
        final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
    }

    static final List<Capture> CAPTURES = new ArrayList<>();

    static int startRelay(int targetPort) throws Exception {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            try {
                for (;;) {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    Capture capture = new Capture();
                    synchronized (CAPTURES) {
                        CAPTURES.add(capture);
                    }
                    pump(client.getInputStream(), server.getOutputStream(), capture.toServer);
                    pump(server.getInputStream(), client.getOutputStream(), capture.toClient);
                }
            } catch (Exception e) {
                // listener closed at exit
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return listener.getLocalPort();
    }

    static void pump(InputStream in, OutputStream out, ByteArrayOutputStream record) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    synchronized (record) {
                        record.write(buf, 0, n);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (Exception e) {
                // peer closed
            }
        });
        t.setDaemon(true);
        t.start();
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static int i32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    /** Splits a recorded byte stream into whole Bolt frames (v1 and v2 layouts). */
    static List<byte[]> frames(byte[] all) {
        List<byte[]> out = new ArrayList<>();
        int off = 0;
        while (off < all.length) {
            int proto = all[off];
            int len;
            if (proto == 1) {
                boolean response = all[off + 1] == 0;
                len = response
                        ? 20 + u16(all, off + 12) + u16(all, off + 14) + i32(all, off + 16)
                        : 22 + u16(all, off + 14) + u16(all, off + 16) + i32(all, off + 18);
            } else if (proto == 2) {
                boolean response = all[off + 2] == 0;
                len = response
                        ? 22 + u16(all, off + 14) + u16(all, off + 16) + i32(all, off + 18)
                        : 24 + u16(all, off + 16) + u16(all, off + 18) + i32(all, off + 20);
                if (all[off + 1] == 2 && (all[off + 11] & 1) == 1) len += 4;
            } else {
                throw new IllegalStateException("unexpected protocol byte " + proto + " at " + off);
            }
            out.add(Arrays.copyOfRange(all, off, off + len));
            off += len;
        }
        return out;
    }

    static int requestId(byte[] frame) {
        return frame[0] == 1 ? i32(frame, 5) : i32(frame, 6);
    }

    static int cmdCode(byte[] frame) {
        return frame[0] == 1 ? u16(frame, 2) : u16(frame, 3);
    }

    static SofaRequest sofaRequest(String method, Class<?>[] types, Object[] args) {
        SofaRequest request = MessageBuilder.buildSofaRequest(EchoService.class, method, types, args);
        request.setTargetServiceUniqueName(EchoService.class.getName() + ":1.0");
        return request;
    }

    /** Sends one SOFARPC call with a bare bolt RpcClient, so the frame is Bolt v2. */
    static void boltV2Call(int port, byte version, long idleMs) throws Exception {
        RpcClient client = new RpcClient();
        client.startup();
        Url url = new Url("127.0.0.1", port);
        url.setProtocol((byte) 2);
        url.setVersion(version);
        url.setConnNum(1);
        Object reply = client.invokeSync(url, sofaRequest("echo", new Class<?>[] {String.class}, new Object[] {"v2"}),
                new InvokeContext(), 3000);
        Object value = reply instanceof SofaResponse ? ((SofaResponse) reply).getAppResponse() : reply;
        System.out.println("v2 (ver1=" + version + ") echo -> " + value);
        // Stay idle past the heartbeat interval so the v2 connection sends a heartbeat too.
        Thread.sleep(idleMs);
        client.shutdown();
    }

    public static void main(String[] args) throws Exception {
        // Idle 1 s -> the client sends a heartbeat; the generator waits for one at the end.
        System.setProperty("bolt.tcp.heartbeat.interval", "1000");
        Path out = Paths.get(args.length > 0 ? args[0] : "test/golden/bolt");
        Files.createDirectories(out);

        int serverPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            serverPort = probe.getLocalPort();
        }
        Server.start(serverPort);
        int relayPort = startRelay(serverPort);
        String url = "bolt://127.0.0.1:" + relayPort;

        // v1 calls through the ordinary SOFARPC consumer, in this order.
        EchoService echo = Client.connect(url, 3000);
        List<String> v1Cases = new ArrayList<>();
        v1Cases.add("v1-echo");
        System.out.println("echo -> " + echo.echo("hi"));
        v1Cases.add("v1-add");
        System.out.println("add -> " + echo.add(2, 40));
        v1Cases.add("v1-addlong");
        System.out.println("addLong -> " + echo.addLong(9007199254740993L, 1L));
        v1Cases.add("v1-pojo");
        System.out.println("older -> " + echo.older(
                new Person("Ada", 36, 9007199254740993L, new ArrayList<>(List.of("x", "y"))), 1));
        v1Cases.add("v1-exception");
        try {
            echo.fail("boom");
        } catch (EchoException e) {
            System.out.println("fail -> " + e);
        }
        Thread.sleep(2500);

        // A service the server does not export: SOFARPC answers isError=true.
        EchoService missing = new ConsumerConfig<EchoService>()
                .setInterfaceId(EchoService.class.getName()).setVersion("9.9").setProtocol("bolt")
                .setDirectUrl(url).setRegister(false).setTimeout(3000).refer();
        v1Cases.add("v1-noservice");
        try {
            missing.echo("x");
        } catch (Exception e) {
            System.out.println("missing -> " + e);
        }
        Thread.sleep(300);

        boltV2Call(relayPort, (byte) 2, 2500);
        Thread.sleep(300);
        boltV2Call(relayPort, (byte) 1, 0);
        Thread.sleep(300);

        Map<String, byte[]> files = new LinkedHashMap<>();
        List<Capture> captures;
        synchronized (CAPTURES) {
            captures = new ArrayList<>(CAPTURES);
        }
        int v1Index = 0;
        for (Capture c : captures) {
            List<byte[]> requests;
            List<byte[]> responses;
            synchronized (c.toServer) {
                requests = frames(c.toServer.toByteArray());
            }
            synchronized (c.toClient) {
                responses = frames(c.toClient.toByteArray());
            }
            Map<Integer, String> names = new HashMap<>();
            for (byte[] req : requests) {
                String name;
                if (cmdCode(req) == 0) {
                    name = (req[0] == 1 ? "v1" : "v2") + "-heartbeat";
                } else if (req[0] == 2) {
                    name = "v2-ver" + req[1] + "-echo";
                } else {
                    name = v1Cases.get(v1Index++);
                }
                names.put(requestId(req), name);
                files.putIfAbsent(name + "-request.bin", req);
            }
            for (byte[] res : responses) {
                String name = names.get(requestId(res));
                if (name == null) throw new IllegalStateException("response for unknown id " + requestId(res));
                files.putIfAbsent(name + "-response.bin", res);
            }
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(out.resolve(e.getKey()), e.getValue());
            System.out.println("wrote " + e.getKey() + " (" + e.getValue().length + " bytes)");
        }
        if (!files.containsKey("v1-heartbeat-request.bin") || !files.containsKey("v1-heartbeat-response.bin")
                || !files.containsKey("v2-heartbeat-request.bin") || !files.containsKey("v2-heartbeat-response.bin")) {
            throw new IllegalStateException("no heartbeat captured");
        }
        System.exit(0);
    }
}
