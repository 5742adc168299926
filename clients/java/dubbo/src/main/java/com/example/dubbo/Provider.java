package com.example.dubbo;

import com.example.EchoService;
import com.example.EchoServiceImpl;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Exports com.example.EchoService over dubbo:// + hessian2 on 127.0.0.1, no registry.
 *
 * Usage: Provider PORT [VERSION] [GROUP]   (VERSION defaults to 1.0.0, GROUP to none)
 * Serves Dubbo's own TLS when -Dpmesh.tls.cert and -Dpmesh.tls.key are set (Peers.withTls).
 * Prints "PROVIDER READY port=PORT" once the port accepts calls; runs until SIGTERM,
 * when Dubbo's shutdown hook sends the READONLY event to connected consumers.
 */
public final class Provider {
    private Provider() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: Provider PORT [VERSION] [GROUP]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String version = args.length > 1 ? args[1] : "1.0.0";
        String group = args.length > 2 ? args[2] : null;
        Peers.quiet();

        ServiceConfig<EchoService> service = new ServiceConfig<>();
        service.setInterface(EchoService.class);
        service.setRef(new EchoServiceImpl());
        service.setVersion(version);
        if (group != null && !group.isEmpty()) service.setGroup(group);

        ServiceConfig<com.example.types.TypesService> types = new ServiceConfig<>();
        types.setInterface(com.example.types.TypesService.class);
        types.setRef(new com.example.types.TypesServiceImpl());
        types.setVersion(version);

        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");

        Peers.withTls(DubboBootstrap.getInstance(), true)
                .application(Peers.application("pmesh-dubbo-provider"))
                .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE))
                .protocol(protocol)
                .service(service)
                .service(types)
                .start();
        System.out.println("PROVIDER READY port=" + port);
        System.out.flush();
        DubboBootstrap.getInstance().await();
    }
}
