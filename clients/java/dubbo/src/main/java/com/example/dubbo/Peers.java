package com.example.dubbo;

import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.SslConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

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

    /**
     * Dubbo's own TLS (SslConfig), from -Dpmesh.tls.cert, -Dpmesh.tls.key and -Dpmesh.tls.trust
     * (PEM files); none of them set: plaintext. A provider serves the certificate and, with a
     * trust bundle, requires client certificates chained to it; a consumer presents the
     * certificate and verifies its provider against the trust bundle. Dubbo's own
     * SSLConfigCertProvider takes a consumer's SslConfig only when it has a certificate and key:
     * without them the consumer connects in plaintext.
     */
    static DubboBootstrap withTls(DubboBootstrap bootstrap, boolean server) {
        String cert = System.getProperty("pmesh.tls.cert");
        String key = System.getProperty("pmesh.tls.key");
        String trust = System.getProperty("pmesh.tls.trust");
        if (cert == null && trust == null) return bootstrap;
        SslConfig ssl = new SslConfig();
        if (server) {
            ssl.setServerKeyCertChainPath(cert);
            ssl.setServerPrivateKeyPath(key);
            ssl.setServerTrustCertCollectionPath(trust);
        } else {
            // Dubbo 3.3.6's SslClientTlsHandler makes its SSLEngine without the provider's host, and
            // Netty 4.2 checks host names by default: every handshake would fail with "Hostname or
            // IP address is undefined". Netty's own switch turns that check off; the chain is still
            // verified against the trust bundle.
            if (System.getProperty("io.netty.handler.ssl.defaultEndpointVerificationAlgorithm") == null) {
                System.setProperty("io.netty.handler.ssl.defaultEndpointVerificationAlgorithm", "NONE");
            }
            ssl.setClientKeyCertChainPath(cert);
            ssl.setClientPrivateKeyPath(key);
            ssl.setClientTrustCertCollectionPath(trust);
        }
        return bootstrap.ssl(ssl);
    }
}
