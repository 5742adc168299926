package com.example.meshpeers;

import com.alipay.sofa.rpc.config.RegistryConfig;

/** The one line that differs from a SOFARPC app on another registry. */
final class MeshApp {
    private MeshApp() {}

    /** MESH is the sidecar's SOFARPC mesh API, e.g. 127.0.0.1:13330 (SOFARPC's default port). */
    static RegistryConfig registry(String mesh) {
        return new RegistryConfig().setProtocol("mesh").setAddress("http://" + mesh);
    }
}
