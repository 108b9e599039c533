package io.berth.image.registry;

import java.net.URI;

/**
 * One place a repository can be fetched from: a mirror or the registry itself. {@code base} is
 * scheme://host[:port] (plus a path prefix for mirrors); {@code host} names it in error messages.
 */
public record Endpoint(URI base, String host, boolean insecure, boolean mirror) {
    URI resolve(String apiPath) {
        String prefix = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + prefix + apiPath);
    }

    Endpoint withScheme(String scheme) {
        return new Endpoint(URI.create(scheme + "://" + base.getRawAuthority()), host, insecure, mirror);
    }
}
