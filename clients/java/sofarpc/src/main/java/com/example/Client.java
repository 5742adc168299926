package com.example;

import com.alipay.sofa.rpc.config.ConsumerConfig;
import com.alipay.sofa.rpc.core.exception.SofaRpcException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * SOFARPC Bolt client CLI, direct-connect (no registry).
 *
 * Usage: java -cp CP com.example.Client bolt://127.0.0.1:PORT [--timeout MS] CMD ARGS [-- CMD ARGS ...]
 *
 * One line per command, tab-separated so messages may contain spaces:
 *   RESULT\t<cmd>\tok\t<value>
 *   RESULT\t<cmd>\texception\t<exception class>\t<message>   (business exception thrown by the service)
 *   RESULT\t<cmd>\terror\t<exception class>\t<errorType>\t<message>   (SofaRpcException: timeout, route, server error)
 *   CONCURRENT\tok=<n>\tmismatch=<n>\terror=<n>               (for "concurrent N")
 * and finally "DONE". Newlines inside messages are replaced by spaces.
 */
public final class Client {
    private Client() {
    }

    public static EchoService connect(String url, int timeoutMs) {
        return new ConsumerConfig<EchoService>()
                .setInterfaceId(EchoService.class.getName())
                .setVersion("1.0")
                .setProtocol("bolt")
                .setDirectUrl(url)
                .setRegister(false)
                .setTimeout(timeoutMs)
                .setConnectTimeout(3000)
                .refer();
    }

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        if (args.isEmpty()) {
            System.err.println("usage: com.example.Client bolt://127.0.0.1:PORT [--timeout MS] CMD ARGS [-- CMD ARGS ...]");
            System.exit(2);
        }
        String url = args.remove(0);
        int timeout = 3000;
        if (!args.isEmpty() && args.get(0).equals("--timeout")) {
            args.remove(0);
            timeout = Integer.parseInt(args.remove(0));
        }
        EchoService echo = connect(url, timeout);
        List<String> current = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--")) {
                run(echo, current);
                current = new ArrayList<>();
            } else {
                current.add(arg);
            }
        }
        if (!current.isEmpty()) run(echo, current);
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    private static String oneLine(String text) {
        return text == null ? "null" : text.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }

    private static void run(EchoService echo, List<String> cmd) throws Exception {
        String name = cmd.get(0);
        if (name.equals("concurrent")) {
            concurrent(echo, Integer.parseInt(cmd.get(1)));
            return;
        }
        try {
            Object value = call(echo, cmd);
            System.out.println("RESULT\t" + name + "\tok\t" + oneLine(String.valueOf(value)));
        } catch (SofaRpcException e) {
            System.out.println("RESULT\t" + name + "\terror\t" + e.getClass().getName() + "\t" + e.getErrorType() + "\t" + oneLine(e.getMessage()));
        } catch (Exception e) {
            System.out.println("RESULT\t" + name + "\texception\t" + e.getClass().getName() + "\t" + oneLine(e.getMessage()));
        }
        System.out.flush();
    }

    static Object call(EchoService echo, List<String> cmd) throws Exception {
        switch (cmd.get(0)) {
            case "echo": return echo.echo(cmd.get(1));
            case "add": return echo.add(Integer.parseInt(cmd.get(1)), Integer.parseInt(cmd.get(2)));
            case "addLong": return echo.addLong(Long.parseLong(cmd.get(1)), Long.parseLong(cmd.get(2)));
            case "older": return echo.older(new Person(cmd.get(1), Integer.parseInt(cmd.get(2)),
                    Long.parseLong(cmd.get(3)), new ArrayList<>(List.of("cli"))), Integer.parseInt(cmd.get(4)));
            case "describe": return echo.describe(new Person(cmd.get(1), Integer.parseInt(cmd.get(2)),
                    Long.parseLong(cmd.get(3)), new ArrayList<>(List.of("cli"))));
            case "fail": return echo.fail(cmd.get(1));
            case "sleep": return echo.sleep(Integer.parseInt(cmd.get(1)));
            case "nonce": return echo.nonce(cmd.get(1));
            case "forget": echo.forget(cmd.get(1)); return "void";
            default: throw new IllegalArgumentException("unknown command " + cmd.get(0));
        }
    }

    /** N calls of nonce() from 64 threads; every answer must be its own nonce. */
    private static void concurrent(EchoService echo, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Future<String>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final String nonce = "n-" + i + "-" + System.nanoTime();
            futures.add(pool.submit(() -> {
                String got = echo.nonce(nonce);
                return nonce.equals(got) ? "ok" : "mismatch";
            }));
        }
        int ok = 0, mismatch = 0, error = 0;
        String firstError = null;
        for (Future<String> f : futures) {
            try {
                if (f.get().equals("ok")) ok++; else mismatch++;
            } catch (Exception e) {
                error++;
                if (firstError == null) firstError = oneLine(String.valueOf(e.getCause()));
            }
        }
        pool.shutdown();
        System.out.println("CONCURRENT\tok=" + ok + "\tmismatch=" + mismatch + "\terror=" + error
                + (firstError == null ? "" : "\tfirst=" + firstError));
        System.out.flush();
    }
}
