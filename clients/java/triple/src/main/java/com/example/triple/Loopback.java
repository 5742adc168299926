package com.example.triple;

import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;

/** Settings shared by the Triple peers: loopback only, no QoS, interface-level registry. */
final class Loopback {
    private Loopback() {}

    static void settings() {
        System.setProperty("dubbo.application.qos-enable", "false");
        System.setProperty("dubbo.application.logger", "slf4j");
        System.setProperty("dubbo.application.metadata-type", "local");
        // The sidecar reads the interface-level layout (/dubbo/<interface>/providers).
        System.setProperty("dubbo.application.register-mode", "interface");
        System.setProperty("dubbo.application.service-discovery.migration", "FORCE_INTERFACE");
        pin();
    }

    /**
     * Dubbo swaps 127.x for the machine's first non-loopback address (NetUtils.getLocalHost)
     * when it connects and when it fills a URL's host; the tests also set
     * DUBBO_IP_TO_REGISTRY=127.0.0.1. Seed the cached answer with the loopback address.
     */
    private static void pin() {
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

    /** "N/A" for no registry, otherwise a ZooKeeper host:port. */
    static RegistryConfig registry(String address) {
        if (address.equals("N/A")) return new RegistryConfig(RegistryConfig.NO_AVAILABLE);
        RegistryConfig registry = new RegistryConfig("zookeeper://" + address);
        registry.setUseAsConfigCenter(false);
        registry.setUseAsMetadataCenter(false);
        registry.setTimeout(10_000);
        return registry;
    }
}
