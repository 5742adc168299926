package com.example.zk;

import com.example.EchoService;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Exports com.example.EchoService over dubbo:// on 127.0.0.1 and registers it in ZooKeeper.
 *
 * Usage: DubboZkProvider ZK_HOST:PORT|N/A PORT [VERSION=1.0.0] [GROUP]
 * echo(text) answers "dubbo@PORT:" + text, so a test can tell which provider answered.
 * Prints "PROVIDER READY port=PORT" once exported and registered; runs until killed.
 */
public final class DubboZkProvider {
    private DubboZkProvider() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DubboZkProvider ZK_HOST:PORT|N/A PORT [VERSION] [GROUP]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        String version = args.length > 2 ? args[2] : "1.0.0";
        String group = args.length > 3 ? args[3] : null;
        Loopback.settings();

        ServiceConfig<EchoService> service = new ServiceConfig<>();
        service.setInterface(EchoService.class);
        service.setRef(text -> "dubbo@" + port + ":" + text);
        service.setVersion(version);
        if (group != null && !group.isEmpty()) service.setGroup(group);

        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");

        DubboBootstrap.getInstance()
                .application(Loopback.application("pmesh-zk-dubbo-provider"))
                .registry(Loopback.registry(args[0]))
                .protocol(protocol)
                .service(service)
                .start();
        System.out.println("PROVIDER READY port=" + port);
        System.out.flush();
        DubboBootstrap.getInstance().await();
    }
}
