package com.example.zk;

import com.alipay.sofa.rpc.config.ConsumerConfig;
import com.example.EchoService;

/**
 * Finds com.example.EchoService through SOFARPC's ZooKeeper registry and calls echo(TEXT).
 *
 * Usage: SofaZkClient ZK_HOST:PORT [--unique-id ID] [--wait MS] TEXT
 * Retries until a call succeeds or MS (default 30000) pass. Prints "RESULT\tok\t<value>" or
 * "RESULT\terror\t<message>", then "DONE".
 */
public final class SofaZkClient {
    private SofaZkClient() {}

    public static void main(String[] args) throws InterruptedException {
        String uniqueId = null;
        long waitMs = 30_000;
        int i = 1;
        while (i < args.length && args[i].startsWith("--")) {
            switch (args[i]) {
                case "--unique-id" -> uniqueId = args[i + 1];
                case "--wait" -> waitMs = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i += 2;
        }
        String text = args[i];
        ConsumerConfig<EchoService> consumer = new ConsumerConfig<EchoService>()
                .setInterfaceId(EchoService.class.getName())
                .setProtocol("bolt")
                .setRegistry(SofaZk.registry(args[0]))
                .setTimeout(3000)
                .setConnectTimeout(3000);
        if (uniqueId != null) consumer.setUniqueId(uniqueId);
        EchoService echo = consumer.refer();
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
        System.exit(ok ? 0 : 1);
    }
}
