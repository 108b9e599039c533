package io.berth.cli.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.ApiJson;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;

/**
 * The Engine API as the commands use it: negotiates the API version once (GET /_ping), prefixes
 * every path with "/vX.Y", maps JSON both ways and turns error answers into {@link DaemonErrorException}.
 */
public final class EngineClient implements AutoCloseable {
    /** The newest API version this client speaks. */
    public static final String MAX_API_VERSION = "1.50";

    private final HttpTransport transport;
    private final String pinnedVersion;
    private final ObjectMapper mapper = ApiJson.newMapper();
    private String apiVersion;

    /** {@code pinnedVersion} (DOCKER_API_VERSION) skips negotiation when set. */
    public EngineClient(HttpTransport transport, String pinnedVersion) {
        this.transport = transport;
        this.pinnedVersion = pinnedVersion;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** The API version in use: min(daemon's Api-Version, {@link #MAX_API_VERSION}). */
    public synchronized String apiVersion() throws IOException {
        if (apiVersion == null) {
            apiVersion = pinnedVersion != null && !pinnedVersion.isBlank() ? pinnedVersion : negotiate();
        }
        return apiVersion;
    }

    private String negotiate() throws IOException {
        try (ApiResponse ping = transport.send(ApiRequest.get("/_ping"))) {
            ping.readAllBytes();
            String offered = ping.header("Api-Version");
            return offered == null ? MAX_API_VERSION : lowerVersion(offered, MAX_API_VERSION);
        }
    }

    /** The lower of two "major.minor" versions. */
    static String lowerVersion(String a, String b) {
        return compareVersions(a, b) <= 0 ? a : b;
    }

    static int compareVersions(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int l = i < left.length ? Integer.parseInt(left[i]) : 0;
            int r = i < right.length ? Integer.parseInt(right[i]) : 0;
            if (l != r) {
                return Integer.compare(l, r);
            }
        }
        return 0;
    }

    /** Sends a request under the negotiated version and returns the open response, failing on error statuses. */
    public ApiResponse open(ApiRequest request) throws IOException {
        return HttpTransport.await(openAsync(request));
    }

    /**
     * Sends a request and returns once the daemon has it; the future completes with the answer's
     * head, or fails with {@link DaemonErrorException} on an error status.
     */
    public CompletableFuture<ApiResponse> openAsync(ApiRequest request) throws IOException {
        return transport.sendAsync(request.withPath("/v" + apiVersion() + request.path()))
                // Reading an error body blocks, so it must not run on the I/O thread that delivers it.
                .thenApplyAsync(this::checked, task -> Thread.ofVirtual().start(task));
    }

    private ApiResponse checked(ApiResponse response) {
        if (response.isSuccess()) {
            return response;
        }
        try (response) {
            throw new DaemonErrorException(response.status(), errorMessage(response));
        } catch (IOException e) {
            throw new DaemonErrorException(response.status(), "status " + response.status() + " (" + e.getMessage() + ")");
        }
    }

    /** Sends a request and discards the (small) answer. */
    public void call(ApiRequest request) throws IOException {
        try (ApiResponse response = open(request)) {
            response.readAllBytes();
        }
    }

    public <T> T getJson(String path, Class<T> type) throws IOException {
        return call(ApiRequest.get(path), type);
    }

    public <T> T getJson(String path, TypeReference<T> type) throws IOException {
        try (ApiResponse response = open(ApiRequest.get(path))) {
            return mapper.readValue(response.readAllBytes(), type);
        }
    }

    /** The answer as raw bytes, for commands that print the daemon's JSON as it is. */
    public byte[] getRaw(String path) throws IOException {
        try (ApiResponse response = open(ApiRequest.get(path))) {
            return response.readAllBytes();
        }
    }

    public <T> T call(ApiRequest request, Class<T> type) throws IOException {
        try (ApiResponse response = open(request)) {
            return mapper.readValue(response.readAllBytes(), type);
        }
    }

    /** The answer as a JSON tree (null node for an empty body). */
    public JsonNode callTree(ApiRequest request) throws IOException {
        try (ApiResponse response = open(request)) {
            byte[] body = response.readAllBytes();
            return body.length == 0 ? mapper.nullNode() : mapper.readTree(body);
        }
    }

    public <T> T postJson(String path, Object body, Class<T> type) throws IOException {
        return call(ApiRequest.postJson(path, mapper.writeValueAsBytes(body)), type);
    }

    private String errorMessage(ApiResponse response) throws IOException {
        String text = response.readText();
        try {
            JsonNode json = mapper.readTree(text);
            if (json != null && json.hasNonNull("message")) {
                return json.get("message").asText();
            }
        } catch (IOException notJson) {
            // Old or foreign daemons answer errors in plain text; show it as it is.
        }
        return text.isBlank() ? "status " + response.status() : text.strip();
    }

    /** Builds "path?k=v&..." with URL encoding, skipping null values; a list value repeats its key. */
    public static String query(String path, Map<String, ?> parameters) {
        StringJoiner joiner = new StringJoiner("&", path + "?", "").setEmptyValue(path);
        parameters.forEach((key, value) -> {
            List<?> values = value instanceof List<?> list ? list : value == null ? List.of() : List.of(value);
            values.forEach(each -> joiner.add(key + "=" + URLEncoder.encode(String.valueOf(each), StandardCharsets.UTF_8)));
        });
        return joiner.toString();
    }

    /** An insertion-ordered parameter map, so request lines read like docker's. */
    public static Map<String, Object> parameters(Object... keysAndValues) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            parameters.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return parameters;
    }

    /**
     * Path encoding for names and ids taken from the command line; "/", ":" and "@" stay as they
     * are because image references ("localhost:5000/app@sha256:...") travel in the path like that.
     */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8)
                .replace("+", "%20").replace("%2F", "/").replace("%3A", ":").replace("%40", "@");
    }

    @Override
    public void close() {
        transport.close();
    }
}
