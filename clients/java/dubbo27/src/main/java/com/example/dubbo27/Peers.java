package com.example.dubbo27;

import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;

/** Settings shared by the 2.7 peers: loopback only, no QoS port, no registry. */
final class Peers {
    private Peers() {}

    static void quiet() {
        System.setProperty("dubbo.application.qos.enable", "false");
        System.setProperty("dubbo.application.logger", "slf4j");
        pinLoopback();
    }

    /**
     * As in Dubbo 3, AbstractClient connects to NetUtils.filterLocalHost(host), which swaps
     * 127.x for the machine's first non-loopback address; tests must stay on 127.0.0.1.
     */
    private static void pinLoopback() {
        try {
            java.lang.reflect.Field field = NetUtils.class.getDeclaredField("HOST_ADDRESS");
            field.setAccessible(true);
            field.set(null, "127.0.0.1");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot pin Dubbo to 127.0.0.1", e);
        }
    }

    static ApplicationConfig application(String name) {
        ApplicationConfig application = new ApplicationConfig(name);
        application.setQosEnable(false);
        return application;
    }

    static RegistryConfig noRegistry() {
        return new RegistryConfig(RegistryConfig.NO_AVAILABLE);
    }
}
