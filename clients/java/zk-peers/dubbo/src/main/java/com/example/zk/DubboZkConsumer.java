package com.example.zk;

import com.example.EchoService;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Finds com.example.EchoService through Dubbo's ZooKeeper registry and calls echo(TEXT).
 *
 * Usage: DubboZkConsumer ZK_HOST:PORT [--version V] [--group G] [--wait MS] TEXT
 * Providers arrive asynchronously, so it retries until a call succeeds or MS (default 30000)
 * pass. Prints "RESULT\tok\t<value>" or "RESULT\terror\t<message>", then "DONE".
 */
public final class DubboZkConsumer {
    private DubboZkConsumer() {}

    public static void main(String[] args) throws InterruptedException {
        String version = "1.0.0";
        String group = null;
        long waitMs = 30_000;
        int i = 1;
        while (i < args.length && args[i].startsWith("--")) {
            switch (args[i]) {
                case "--version" -> version = args[i + 1];
                case "--group" -> group = args[i + 1];
                case "--wait" -> waitMs = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i += 2;
        }
        String text = args[i];
        Loopback.settings();

        ReferenceConfig<EchoService> ref = new ReferenceConfig<>();
        ref.setInterface(EchoService.class);
        ref.setVersion(version);
        if (group != null) ref.setGroup(group);
        ref.setCheck(false);
        ref.setTimeout(3000);
        ref.setRetries(0);
        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(Loopback.application("pmesh-zk-dubbo-consumer"))
                .registry(Loopback.registry(args[0]))
                .reference(ref)
                .start();
        EchoService echo = ref.get();
        long until = System.currentTimeMillis() + waitMs;
        String last = "no attempt";
        boolean ok = false;
        while (!ok && System.currentTimeMillis() < until) {
            try {
                System.out.println("RESULT\tok\t" + echo.echo(text));
                ok = true;
            } catch (RuntimeException e) {
                last = String.valueOf(e.getMessage()).replace('\n', ' ');
                Thread.sleep(200);
            }
        }
        if (!ok) System.out.println("RESULT\terror\t" + last);
        System.out.println("DONE");
        System.out.flush();
        bootstrap.stop();
        System.exit(ok ? 0 : 1);
    }
}
