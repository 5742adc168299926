package com.example.zk;

import com.alipay.sofa.rpc.config.ProviderConfig;
import com.alipay.sofa.rpc.config.ServerConfig;
import com.example.EchoService;

/**
 * SOFARPC Bolt server for com.example.EchoService, registered in ZooKeeper with SOFARPC's
 * own zookeeper registry, bound to 127.0.0.1.
 *
 * Usage: SofaZkServer ZK_HOST:PORT PORT [UNIQUE_ID]
 * echo(text) answers "bolt@PORT:" + text. Prints "READY <port>" once exported; runs until killed.
 */
public final class SofaZkServer {
    private SofaZkServer() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SofaZkServer ZK_HOST:PORT PORT [UNIQUE_ID]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        ServerConfig server = new ServerConfig()
                .setProtocol("bolt")
                .setHost("127.0.0.1")
                .setBoundHost("127.0.0.1")
                // SOFARPC registers the machine's address for a loopback host; the virtual
                // host is what it writes into the provider URL instead.
                .setVirtualHost("127.0.0.1")
                .setPort(port)
                .setDaemon(false);
        ProviderConfig<EchoService> provider = new ProviderConfig<EchoService>()
                .setInterfaceId(EchoService.class.getName())
                .setRef(text -> "bolt@" + port + ":" + text)
                .setServer(server)
                .setRegistry(SofaZk.registry(args[0]))
                .setRegister(true);
        if (args.length > 2) provider.setUniqueId(args[2]);
        provider.export();
        System.out.println("READY " + port);
        System.out.flush();
    }
}
