package io.berth.api.server.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.Map;
import java.util.stream.Collectors;

/** The headers dockerd puts on every answer; clients read the API version and OS type from them. */
public final class ServerHeaders {
    public static final String SERVER = "Berth/0.1.0 (linux)";
    private static final Map<String, String> HEADERS = Map.of(
            "Api-Version", ApiVersion.MAX.toString(),
            "Docker-Experimental", "false",
            "Ostype", "linux",
            "Server", SERVER);

    private ServerHeaders() {}

    public static void apply(HttpHeaders headers) {
        HEADERS.forEach(headers::set);
    }

    static String asText() {
        return HEADERS.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + "\r\n").collect(Collectors.joining());
    }
}
