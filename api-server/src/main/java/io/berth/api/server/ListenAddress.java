package io.berth.api.server;

import io.berth.errdefs.InvalidArgumentException;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;

/** Where the API is served, in dockerd's -H syntax: unix:///run/berth.sock or tcp://127.0.0.1:2375. */
public sealed interface ListenAddress {
    record Unix(Path socket) implements ListenAddress {}

    record Tcp(InetSocketAddress address) implements ListenAddress {}

    static ListenAddress parse(String text) {
        if (text.startsWith("unix://")) {
            String path = text.substring("unix://".length());
            if (path.isEmpty()) throw new InvalidArgumentException("invalid host " + text + ": empty socket path");
            return new Unix(Path.of(path));
        }
        if (text.startsWith("tcp://")) {
            URI uri = URI.create(text);
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new InvalidArgumentException("invalid host " + text + ": expected tcp://HOST:PORT");
            }
            return new Tcp(new InetSocketAddress(uri.getHost(), uri.getPort()));
        }
        throw new InvalidArgumentException("invalid host " + text + ": only unix:// and tcp:// are supported");
    }
}
