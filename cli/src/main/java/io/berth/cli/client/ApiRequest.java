package io.berth.cli.client;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP request to the daemon. A body is either fully known (sent with Content-Length) or a
 * stream (sent chunked, e.g. an image tar). {@code upgrade} asks for docker's connection hijack.
 */
public record ApiRequest(String method, String path, Map<String, String> headers, byte[] body,
                         InputStream bodyStream, boolean upgrade) {

    public static ApiRequest get(String path) {
        return new ApiRequest("GET", path, Map.of(), null, null, false);
    }

    public static ApiRequest delete(String path) {
        return new ApiRequest("DELETE", path, Map.of(), null, null, false);
    }

    public static ApiRequest post(String path) {
        return new ApiRequest("POST", path, Map.of(), null, null, false);
    }

    public static ApiRequest postJson(String path, byte[] json) {
        return new ApiRequest("POST", path, Map.of("Content-Type", "application/json"), json, null, false);
    }

    public static ApiRequest postStream(String path, String contentType, InputStream body) {
        return new ApiRequest("POST", path, Map.of("Content-Type", contentType), null, body, false);
    }

    /** A POST whose connection becomes a raw bidirectional stream after "101 UPGRADED". */
    public static ApiRequest postUpgrade(String path) {
        return new ApiRequest("POST", path, Map.of(), null, null, true);
    }

    /** A POST with a JSON body whose connection is hijacked like attach's (exec start). */
    public static ApiRequest postJsonUpgrade(String path, byte[] json) {
        return new ApiRequest("POST", path, Map.of("Content-Type", "application/json"), json, null, true);
    }

    /** The same request with one more header. */
    public ApiRequest withHeader(String name, String value) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put(name, value);
        return new ApiRequest(method, path, all, body, bodyStream, upgrade);
    }

    /** The same request under another path, used to add the negotiated "/vX.Y" prefix. */
    public ApiRequest withPath(String newPath) {
        return new ApiRequest(method, newPath, headers, body, bodyStream, upgrade);
    }
}
