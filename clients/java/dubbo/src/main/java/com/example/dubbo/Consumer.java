package com.example.dubbo;

import com.example.EchoService;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.service.GenericService;

/**
 * Consumer CLI for interop tests: calls com.example.EchoService at dubbo://HOST:PORT directly.
 *
 * Usage: Consumer [--version V] [--group G] [--timeout MS] HOST:PORT COMMAND [ARGS]
 * Speaks Dubbo's own TLS when -Dpmesh.tls.cert, -Dpmesh.tls.key and -Dpmesh.tls.trust are set (Peers.withTls).
 * Commands: suite | echo TEXT | add A B | addLong A B | greet | mixed | nothing | fail REASON
 *           | sleep MS | nonce TOKEN | forget KEY | generic TEXT | genericGreet | genericGadget | concurrent N
 * Prints one "RESULT {json}" line per call, then "DONE ok=N failed=M"; exit code 0 iff failed=0.
 */
public final class Consumer {
    private Consumer() {}

    public static void main(String[] args) throws Exception {
        String version = "1.0.0";
        String group = null;
        int timeout = 3000;
        int i = 0;
        while (i < args.length && args[i].startsWith("--")) {
            switch (args[i]) {
                case "--version" -> version = args[i + 1];
                case "--group" -> group = args[i + 1];
                case "--timeout" -> timeout = Integer.parseInt(args[i + 1]);
                default -> usage("unknown option " + args[i]);
            }
            i += 2;
        }
        if (args.length - i < 2) usage("missing HOST:PORT or COMMAND");
        String url = "dubbo://" + args[i];
        String command = args[i + 1];
        String[] rest = java.util.Arrays.copyOfRange(args, i + 2, args.length);
        Peers.quiet();

        ReferenceConfig<EchoService> ref = Calls.reference(url, version, group, timeout);
        ReferenceConfig<GenericService> genericRef = Calls.genericReference(url, version, group, timeout);
        DubboBootstrap bootstrap = Peers.withTls(DubboBootstrap.getInstance(), false)
                .application(Peers.application("pmesh-dubbo-consumer"))
                .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE))
                .reference(ref)
                .reference(genericRef)
                .start();
        Calls calls = new Calls(ref.get(), genericRef.get());
        run(calls, command, rest);
        System.out.println("DONE ok=" + calls.ok + " failed=" + calls.failed);
        System.out.flush();
        bootstrap.stop();
        System.exit(calls.failed == 0 ? 0 : 1);
    }

    private static void run(Calls calls, String command, String[] a) {
        switch (command) {
            case "suite" -> calls.suite();
            case "echo" -> calls.report("echo", () -> calls.echo.echo(a[0]));
            case "add" -> calls.report("add", () -> calls.echo.add(Integer.parseInt(a[0]), Integer.parseInt(a[1])));
            case "addLong" -> calls.report("addLong", () -> calls.echo.addLong(Long.parseLong(a[0]), Long.parseLong(a[1])));
            case "greet" -> calls.report("greet", () -> calls.echo.greet(Calls.samplePerson()));
            case "mixed" -> calls.report("mixed", calls::mixed);
            case "nothing" -> calls.report("nothing", () -> calls.echo.nothing());
            case "fail" -> calls.report("fail", () -> calls.echo.fail(a[0]));
            case "sleep" -> calls.report("sleep", () -> calls.echo.sleep(Integer.parseInt(a[0])));
            case "nonce" -> calls.report("nonce", () -> calls.echo.nonce(a[0]));
            case "forget" -> calls.report("forget", () -> {
                calls.echo.forget(a[0]);
                return "void";
            });
            case "generic" -> calls.report("generic", () -> calls.genericEcho(a[0]));
            case "genericGreet" -> calls.report("genericGreet", calls::genericGreet);
            case "genericGadget" -> calls.report("genericGadget", calls::genericGadget);
            case "concurrent" -> calls.report("concurrent", () -> calls.concurrent(Integer.parseInt(a[0])));
            default -> usage("unknown command " + command);
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: Consumer [--version V] [--group G] [--timeout MS] HOST:PORT "
                + "suite|echo|add|addLong|greet|mixed|nothing|fail|sleep|nonce|forget|generic|genericGreet|genericGadget|concurrent [ARGS]");
        System.exit(2);
    }
}
