package com.example.dubbo;

import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;

/** Settings shared by every peer: loopback only, no QoS port, no metadata side services. */
final class Peers {
    private Peers() {}

    static void quiet() {
        System.setProperty("dubbo.application.qos-enable", "false");
        System.setProperty("dubbo.application.logger", "slf4j");
        // No registry means no need for the metadata service or service-name mapping.
        System.setProperty("dubbo.application.metadata-type", "local");
        System.setProperty("dubbo.application.register-mode", "interface");
        pinLoopback();
    }

    /**
     * Dubbo's AbstractClient connects to NetUtils.filterLocalHost(host), which swaps any 127.x
     * address for the machine's first non-loopback address (NetUtils.getLocalHost). Tests
     * must stay on 127.0.0.1, so pre-seed that cached answer with the loopback address.
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
        application.setSerializeCheckStatus("WARN");
        return application;
    }
}
