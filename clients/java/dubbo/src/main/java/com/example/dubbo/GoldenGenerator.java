package com.example.dubbo;

import com.example.EchoService;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.service.GenericService;

/**
 * Writes test/golden/dubbo/*.bin: the exact frames a real Dubbo 3 consumer and a real Dubbo 3
 * provider (a child JVM) exchange, captured by {@link Relay} between them.
 *
 * Usage: GoldenGenerator OUT_DIR
 *
 * Frames under "*-v200-*" and "badrequest-*" are replies of the real provider to requests the
 * generator derived from captured ones (protocol version patched to 2.0.0 so the provider uses
 * the result flags without attachments; an argument replaced by a reserved Hessian byte), sent
 * on a raw socket. Nothing here is written by polyglot-mesh's own encoder.
 */
public final class GoldenGenerator {
    private final Path out;
    private final Relay relay;

    private GoldenGenerator(Path out, Relay relay) {
        this.out = out;
        this.relay = relay;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GoldenGenerator OUT_DIR");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        Peers.quiet();
        int providerPort = freePort();
        Process provider = startProvider(providerPort);
        try (Relay relay = new Relay(providerPort)) {
            new GoldenGenerator(out, relay).run(provider, providerPort);
        } finally {
            provider.destroyForcibly();
        }
        System.out.println("GOLDEN DONE " + out.toAbsolutePath());
        System.exit(0);
    }

    private void run(Process provider, int providerPort) throws Exception {
        // heartbeat=1000: the consumer sends a heartbeat after 1 s without reads.
        String url = "dubbo://127.0.0.1:" + relay.port() + "?heartbeat=1000";
        ReferenceConfig<EchoService> ref = Calls.reference(url, "1.0.0", null, 5000);
        ReferenceConfig<GenericService> genericRef = Calls.genericReference(url, "1.0.0", null, 5000);
        ReferenceConfig<EchoService> missing = Calls.reference(url, "9.9.9", null, 5000);
        DubboBootstrap.getInstance()
                .application(Peers.application("pmesh-dubbo-golden"))
                .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE))
                .reference(ref).reference(genericRef).reference(missing)
                .start();
        Calls calls = new Calls(ref.get(), genericRef.get());
        EchoService echo = calls.echo;

        Relay.Frame[] echoPair = capture("echo", () -> echo.echo("hello"));
        capture("add", () -> echo.add(2, 40));
        capture("addlong", () -> echo.addLong(1L << 53, 1));
        capture("greet", () -> echo.greet(Calls.samplePerson()));
        capture("mixed", calls::mixed);
        capture("echo-long", () -> echo.echo("a".repeat(32767) + "\uD83D\uDE00" + "\u00e9".repeat(10000)));
        Relay.Frame[] nothingPair = capture("nothing", () -> echo.nothing());
        Relay.Frame[] failPair = capture("fail", () -> echo.fail("boom"));
        capture("generic", () -> calls.genericEcho("generic hi"));
        capture("generic-greet", calls::genericGreet);
        EchoService absent = missing.get();
        capture("notfound", () -> absent.echo("nobody"));

        replay("echo-v200", patchVersion(echoPair[0].bytes()), providerPort);
        replay("nothing-v200", patchVersion(nothingPair[0].bytes()), providerPort);
        replay("fail-v200", patchVersion(failPair[0].bytes()), providerPort);
        replay("badrequest", breakArgument(echoPair[0].bytes()), providerPort);

        Relay.Frame hb = relay.await(0, f -> f.fromConsumer() && f.isEvent() && f.isRequest(), 20_000, "heartbeat");
        Relay.Frame hbReply = relay.await(0, f -> !f.fromConsumer() && f.isEvent() && !f.isRequest() && f.id() == hb.id(),
                10_000, "heartbeat reply");
        write("heartbeat-request", hb.bytes());
        write("heartbeat-response", hbReply.bytes());

        // SIGTERM: the provider's shutdown hook sends the READONLY event to its consumers.
        int mark = relay.size();
        provider.destroy();
        Relay.Frame readonly = relay.await(mark, f -> !f.fromConsumer() && f.isEvent() && f.isRequest(), 30_000,
                "readonly event");
        write("readonly-event", readonly.bytes());
        provider.waitFor(30, TimeUnit.SECONDS);
    }

    /** Makes one call through the relay and saves its request and response frames. */
    private Relay.Frame[] capture(String name, Callable<Object> call) throws Exception {
        int mark = relay.size();
        try {
            call.call();
        } catch (Exception expected) {
            // Exceptions are cases too (fail, notfound); the frames are what matter.
        }
        Relay.Frame request = relay.await(mark, f -> f.fromConsumer() && f.isRequest() && !f.isEvent(), 10_000, name + " request");
        Relay.Frame response = relay.await(mark, f -> !f.fromConsumer() && !f.isRequest() && f.id() == request.id(), 10_000,
                name + " response");
        write(name + "-request", request.bytes());
        write(name + "-response", response.bytes());
        return new Relay.Frame[] {request, response};
    }

    /** Sends a request frame straight to the provider and saves it and the provider's reply. */
    private void replay(String name, byte[] request, int providerPort) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), providerPort)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] header = new byte[16];
            in.readFully(header);
            int len = ((header[12] & 0xff) << 24) | ((header[13] & 0xff) << 16) | ((header[14] & 0xff) << 8) | (header[15] & 0xff);
            byte[] frame = Arrays.copyOf(header, 16 + len);
            in.readFully(frame, 16, len);
            write(name + "-request", request);
            write(name + "-response", frame);
        }
    }

    /** The body opens with the short string "2.0.2"; make it "2.0.0" (same length). */
    private static byte[] patchVersion(byte[] frame) {
        byte[] copy = frame.clone();
        String head = new String(copy, 17, 5, StandardCharsets.US_ASCII);
        if (copy[16] != 5 || !head.equals("2.0.2")) throw new IllegalStateException("unexpected body head " + head);
        copy[21] = '0';
        return copy;
    }

    /** Keeps the five leading short strings and replaces the rest by the reserved Hessian code 0x40. */
    private static byte[] breakArgument(byte[] frame) {
        int offset = 16;
        for (int i = 0; i < 5; i++) {
            int len = frame[offset] & 0xff;
            if (len > 0x1f) throw new IllegalStateException("expected a short string at " + offset);
            offset += 1 + len;
        }
        byte[] copy = Arrays.copyOf(frame, offset + 1);
        copy[offset] = 0x40;
        int len = copy.length - 16;
        copy[12] = (byte) (len >>> 24);
        copy[13] = (byte) (len >>> 16);
        copy[14] = (byte) (len >>> 8);
        copy[15] = (byte) len;
        return copy;
    }

    private void write(String name, byte[] bytes) throws IOException {
        Files.write(out.resolve(name + ".bin"), bytes);
        System.out.println("wrote " + name + ".bin (" + bytes.length + " bytes)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Process startProvider(int port) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Provider.class.getName(),
                String.valueOf(port))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("PROVIDER READY")) ready.countDown();
                }
            } catch (IOException ignored) {
                // The provider exited.
            }
        }, "provider-stdout");
        reader.setDaemon(true);
        reader.start();
        if (!ready.await(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("provider did not start");
        }
        return p;
    }
}
