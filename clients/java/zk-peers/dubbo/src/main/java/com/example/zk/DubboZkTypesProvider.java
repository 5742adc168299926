package com.example.zk;

import com.example.types.TypesService;
import com.example.types.TypesServiceImpl;
import org.apache.dubbo.config.MetadataReportConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Dubbo 3.3.6 provider of com.example.types.TypesService (version 1.0.0), registered in
 * ZooKeeper AND reporting its service definition (every method's parameter and return
 * types, with field definitions) to ZooKeeper's metadata report, as Dubbo providers do
 * when a metadata center is configured.
 *
 * Usage: DubboZkTypesProvider ZK_HOST:PORT PORT
 * Prints "PROVIDER READY port=PORT" once exported, registered and reported; runs until killed.
 */
public final class DubboZkTypesProvider {
    private DubboZkTypesProvider() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DubboZkTypesProvider ZK_HOST:PORT PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        Loopback.settings();

        ServiceConfig<TypesService> service = new ServiceConfig<>();
        service.setInterface(TypesService.class);
        service.setRef(new TypesServiceImpl());
        service.setVersion("1.0.0");

        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");

        MetadataReportConfig metadata = new MetadataReportConfig("zookeeper://" + args[0]);
        metadata.setReportDefinition(true);

        DubboBootstrap.getInstance()
                .application(Loopback.application("pmesh-zk-types-provider"))
                .registry(Loopback.registry(args[0]))
                .metadataReport(metadata)
                .protocol(protocol)
                .service(service)
                .start();
        System.out.println("PROVIDER READY port=" + port);
        System.out.flush();
        DubboBootstrap.getInstance().await();
    }
}
