package io.berth.api.server.http;

import io.berth.errdefs.NotFoundException;
import io.netty.handler.codec.http.HttpMethod;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps method and path (with an optional /vX.Y prefix) to a route and its path parameters. */
public final class Router {
    private static final Pattern VERSION_PREFIX = Pattern.compile("^/v([0-9]+\\.[0-9]+)(/.*)$");

    /** A matched request: the route, its decoded path parameters and the API version the client speaks. */
    public record Match(Route route, Map<String, String> pathParameters, ApiVersion version) {}

    private final List<Route> routes;

    public Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /** Throws InvalidArgument for an unsupported version, NotFound("page not found") for an unknown route. */
    public Match match(HttpMethod method, String path) {
        ApiVersion version = ApiVersion.MAX;
        Matcher prefixed = VERSION_PREFIX.matcher(path);
        if (prefixed.matches()) {
            version = ApiVersion.parse(prefixed.group(1)).checkSupported();
            path = prefixed.group(2);
        }
        return find(method, path, version).orElseThrow(() -> new NotFoundException("page not found"));
    }

    private Optional<Match> find(HttpMethod method, String path, ApiVersion version) {
        for (Route route : routes) {
            if (!route.method().equals(method)) continue;
            Matcher m = route.pattern().matcher(path);
            if (!m.matches()) continue;
            Map<String, String> parameters = new HashMap<>();
            for (int i = 0; i < route.parameters().size(); i++) parameters.put(route.parameters().get(i), m.group(i + 1));
            return Optional.of(new Match(route, parameters, version));
        }
        return Optional.empty();
    }
}
