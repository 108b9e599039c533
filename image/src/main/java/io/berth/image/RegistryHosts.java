package io.berth.image;

import java.net.URI;
import java.util.List;

/**
 * Where registries are reached: dockerd's --registry-mirror (tried in order for docker.io images)
 * and --insecure-registry (host:port or CIDR; plain HTTP allowed and TLS errors tolerated).
 * Loopback (localhost, 127.0.0.0/8) is always insecure, as in dockerd.
 */
public record RegistryHosts(List<URI> dockerHubMirrors, List<String> insecure) {
    public RegistryHosts {
        dockerHubMirrors = List.copyOf(dockerHubMirrors);
        insecure = List.copyOf(insecure);
    }

    public static RegistryHosts defaults() {
        return new RegistryHosts(List.of(), List.of());
    }
}
