package com.example.zk;

import com.alipay.sofa.rpc.config.RegistryConfig;

/** The SOFARPC ZooKeeper registry configuration shared by the server and the client. */
final class SofaZk {
    private SofaZk() {}

    static RegistryConfig registry(String address) {
        return new RegistryConfig().setProtocol("zookeeper").setAddress(address).setConnectTimeout(10_000);
    }
}
