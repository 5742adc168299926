package com.example.meshpeers;

import com.alipay.sofa.rpc.config.ApplicationConfig;
import com.alipay.sofa.rpc.config.ProviderConfig;
import com.alipay.sofa.rpc.config.ServerConfig;
import com.example.EchoService;

/**
 * A SOFARPC provider of com.example.EchoService:1.0 using the mesh registry.
 *
 * Usage: MeshProvider MESH_HOST:PORT BOLT_PORT [APP_NAME]
 * Binds its Bolt server on 127.0.0.1:BOLT_PORT, publishes through the sidecar's mesh API and
 * prints "READY <port>". echo(text) answers "APP_NAME:text", so a caller can tell who answered.
 * SIGTERM runs SOFARPC's own shutdown hook, which unpublishes through the mesh API.
 */
public final class MeshProvider {
    private MeshProvider() {}

    /** A named class rather than a lambda: SOFARPC reflects on the ref's class. */
    static final class Echo implements EchoService {
        private final String app;

        Echo(String app) {
            this.app = app;
        }

        @Override
        public String echo(String text) {
            return app + ":" + text;
        }
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: MeshProvider MESH_HOST:PORT BOLT_PORT [APP_NAME]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        String app = args.length > 2 ? args[2] : "mesh-provider";
        ServerConfig server = new ServerConfig()
                .setProtocol("bolt")
                .setHost("127.0.0.1")
                .setBoundHost("127.0.0.1")
                .setPort(port)
                .setDaemon(false);
        new ProviderConfig<EchoService>()
                .setApplication(new ApplicationConfig().setAppName(app))
                .setInterfaceId(EchoService.class.getName())
                .setVersion("1.0")
                .setRef(new Echo(app))
                .setServer(server)
                .setRegistry(MeshApp.registry(args[0]))
                .export();
        System.out.println("READY " + port);
        System.out.flush();
    }
}
