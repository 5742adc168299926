package com.example.triple;

import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Exports Greeter (non-IDL) and PbGreeter (protobuf) on tri:// at 127.0.0.1, three times each:
 * no version and no group (tag "plain@PORT"), version 1.0.0 group blue ("blue/1.0.0@PORT"),
 * version 2.0.0 group green ("green/2.0.0@PORT"), so a test can tell which export of which
 * provider a call reached.
 *
 * Usage: Provider ZK_HOST:PORT|N/A PORT
 * Prints "PROVIDER READY port=PORT" once exported (and registered); runs until SIGTERM.
 */
public final class Provider {
    private Provider() {}

    private static final String[][] EXPORTS = {{"", ""}, {"1.0.0", "blue"}, {"2.0.0", "green"}};

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: Provider ZK_HOST:PORT|N/A PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        Loopback.settings();

        ProtocolConfig protocol = new ProtocolConfig("tri", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");

        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(Loopback.application("pmesh-triple-provider"))
                .registry(Loopback.registry(args[0]))
                .protocol(protocol);
        for (String[] export : EXPORTS) {
            String version = export[0];
            String group = export[1];
            String tag = (version.isEmpty() ? "plain" : group + "/" + version) + "@" + port;
            ServiceConfig<Greeter> greeter = new ServiceConfig<>();
            greeter.setInterface(Greeter.class);
            greeter.setRef(Exports.greeter(tag));
            ServiceConfig<PbGreeter> pb = new ServiceConfig<>();
            pb.setInterface(PbGreeter.class);
            pb.setRef(Exports.pbGreeter(tag));
            if (!version.isEmpty()) {
                greeter.setVersion(version);
                greeter.setGroup(group);
                pb.setVersion(version);
                pb.setGroup(group);
            }
            bootstrap.service(greeter).service(pb);
        }
        bootstrap.start();
        System.out.println("PROVIDER READY port=" + port);
        System.out.flush();
        bootstrap.await();
    }
}
