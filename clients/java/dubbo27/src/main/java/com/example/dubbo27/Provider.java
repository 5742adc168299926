package com.example.dubbo27;

import com.example.EchoService;
import com.example.EchoServiceImpl;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ServiceConfig;

/**
 * Dubbo 2.7 provider of com.example.EchoService over dubbo:// + hessian2 on 127.0.0.1, no registry.
 *
 * Usage: Provider PORT [VERSION] [GROUP]   (VERSION defaults to 1.0.0)
 * Prints "PROVIDER READY port=PORT" once exported; runs until SIGTERM.
 */
public final class Provider {
    private Provider() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: Provider PORT [VERSION] [GROUP]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Peers.quiet();
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");

        ServiceConfig<EchoService> service = new ServiceConfig<>();
        service.setApplication(Peers.application("pmesh-dubbo27-provider"));
        service.setRegistry(Peers.noRegistry());
        service.setProtocol(protocol);
        service.setInterface(EchoService.class);
        service.setRef(new EchoServiceImpl());
        service.setVersion(args.length > 1 ? args[1] : "1.0.0");
        if (args.length > 2 && !args[2].isEmpty()) service.setGroup(args[2]);
        service.export();
        System.out.println("PROVIDER READY port=" + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}
