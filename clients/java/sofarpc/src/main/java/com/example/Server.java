package com.example;

import com.alipay.sofa.rpc.config.ProviderConfig;
import com.alipay.sofa.rpc.config.ServerConfig;

/**
 * SOFARPC Bolt server exposing com.example.EchoService:1.0 on 127.0.0.1.
 * Usage: java -cp CP com.example.Server PORT
 * Prints "READY <port>" once exported; runs until killed.
 */
public final class Server {
    private Server() {
    }

    public static ServerConfig start(int port) {
        ServerConfig server = new ServerConfig()
                .setProtocol("bolt")
                .setHost("127.0.0.1")
                .setBoundHost("127.0.0.1")
                .setPort(port)
                .setDaemon(false);
        new ProviderConfig<EchoService>()
                .setInterfaceId(EchoService.class.getName())
                .setVersion("1.0")
                .setRef(new EchoServiceImpl())
                .setServer(server)
                .setRegister(false)
                .export();
        new ProviderConfig<com.example.types.TypesService>()
                .setInterfaceId(com.example.types.TypesService.class.getName())
                .setVersion("1.0")
                .setRef(new com.example.types.TypesServiceImpl())
                .setServer(server)
                .setRegister(false)
                .export();
        return server;
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: com.example.Server PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        start(port);
        System.out.println("READY " + port);
        System.out.flush();
    }
}
