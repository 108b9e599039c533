package io.berth.cli.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

/** Where the daemon listens: a unix socket path or a TCP host and port, parsed from docker's host syntax. */
public sealed interface DaemonAddress {
    String DEFAULT = "unix:///run/berth.sock";
    /** Docker's default port for plain-text TCP. */
    int DEFAULT_TCP_PORT = 2375;

    /** The address as the user wrote it, for messages. */
    String display();

    record Unix(String path) implements DaemonAddress {
        @Override
        public String display() {
            return "unix://" + path;
        }
    }

    record Tcp(String host, int port) implements DaemonAddress {
        @Override
        public String display() {
            return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Picks the address from the -H flag, then BERTH_HOST, then DOCKER_HOST, then the default socket. */
    static DaemonAddress resolve(String flag, Map<String, String> environment) {
        for (String candidate : new String[]{flag, environment.get("BERTH_HOST"), environment.get("DOCKER_HOST")}) {
            if (candidate != null && !candidate.isBlank()) {
                return parse(candidate.strip());
            }
        }
        return parse(DEFAULT);
    }

    /** Parses "unix:///path" or "tcp://host[:port]"; anything else is rejected with the accepted forms. */
    static DaemonAddress parse(String value) {
        if (value.startsWith("unix://")) {
            String path = value.substring("unix://".length());
            if (!path.startsWith("/")) {
                throw invalid(value, "the socket path must be absolute");
            }
            return new Unix(path);
        }
        if (value.startsWith("tcp://")) {
            return parseTcp(value);
        }
        throw invalid(value, "use unix:///path/to/socket or tcp://host:port");
    }

    private static Tcp parseTcp(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw invalid(value, e.getReason());
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid(value, "missing host");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            throw invalid(value, "a path is not allowed");
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new Tcp(host, uri.getPort() == -1 ? DEFAULT_TCP_PORT : uri.getPort());
    }

    private static IllegalArgumentException invalid(String value, String reason) {
        return new IllegalArgumentException("invalid daemon address \"" + value + "\": " + reason);
    }
}
