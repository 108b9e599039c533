package io.berth.image;

import io.berth.image.registry.Credentials;
import io.berth.oci.image.Platform;

/**
 * How one pull runs: {@code platform} picks the manifest of an index (null: linux/amd64, the host's),
 * {@code auth} authenticates it (null: the service's configured credentials for the registry, if any),
 * as the docker API's X-Registry-Auth header does.
 */
public record PullOptions(Platform platform, Credentials.AuthConfig auth) {
    public static PullOptions defaults() {
        return new PullOptions(null, null);
    }
}
