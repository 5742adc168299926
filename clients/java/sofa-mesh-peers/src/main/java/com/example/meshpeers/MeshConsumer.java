package com.example.meshpeers;

import com.alipay.sofa.rpc.config.ApplicationConfig;
import com.alipay.sofa.rpc.config.ConsumerConfig;
import com.example.EchoService;

/**
 * A SOFARPC consumer of com.example.EchoService:1.0 using the mesh registry.
 *
 * Usage: MeshConsumer MESH_HOST:PORT [--wait MS] TEXT...
 * Calls echo(TEXT) for each TEXT, printing "RESULT\tok\t<value>" or "RESULT\terror\t<message>",
 * then "DONE", and exits (SOFARPC's shutdown hook unsubscribes). The mesh registry subscribes
 * asynchronously, so the first call is retried until it succeeds or MS (default 30000) pass.
 */
public final class MeshConsumer {
    private MeshConsumer() {}

    public static void main(String[] args) throws InterruptedException {
        long waitMs = 30_000;
        int i = 1;
        if (i < args.length && args[i].equals("--wait")) {
            waitMs = Long.parseLong(args[i + 1]);
            i += 2;
        }
        EchoService echo = new ConsumerConfig<EchoService>()
                .setApplication(new ApplicationConfig().setAppName("mesh-consumer"))
                .setInterfaceId(EchoService.class.getName())
                .setVersion("1.0")
                .setProtocol("bolt")
                .setRegistry(MeshApp.registry(args[0]))
                .setTimeout(3000)
                .setConnectTimeout(3000)
                .refer();
        boolean allOk = true;
        for (boolean first = true; i < args.length; i++, first = false) {
            long until = System.currentTimeMillis() + (first ? waitMs : 0);
            String last = "no attempt";
            boolean ok = false;
            do {
                try {
                    System.out.println("RESULT\tok\t" + echo.echo(args[i]));
                    ok = true;
                } catch (RuntimeException e) {
                    last = String.valueOf(e.getMessage()).replace('\n', ' ');
                    if (System.currentTimeMillis() < until) Thread.sleep(200);
                }
            } while (!ok && System.currentTimeMillis() < until);
            if (!ok) System.out.println("RESULT\terror\t" + last);
            allOk &= ok;
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(allOk ? 0 : 1);
    }
}
