package io.berth.api.server.endpoints;

import io.berth.api.server.http.Exchange;
import io.berth.api.server.http.Route;
import io.berth.engine.Engine;
import io.berth.errdefs.InvalidArgumentException;
import io.netty.handler.codec.http.HttpMethod;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** POST /auth: docker login's check of credentials against a registry (the client stores them, not the daemon). */
public final class RegistryEndpoints {
    private final Engine engine;

    public RegistryEndpoints(Engine engine) {
        this.engine = engine;
    }

    public List<Route> routes() {
        return List.of(Route.of(HttpMethod.POST, "/auth", this::auth));
    }

    private void auth(Exchange ex) throws Exception {
        RegistryAuth auth = ex.bodyAs(RegistryAuth.class);
        String status;
        try {
            status = engine.images().checkLogin(auth.registryHost(), auth.toAuthConfig());
        } catch (InvalidArgumentException e) {
            // Rejected credentials are docker's 401, which the CLI shows as "unauthorized: ...".
            if (e.getMessage() != null && e.getMessage().contains("unauthorized")) {
                ex.error(401, e.getMessage());
                return;
            }
            throw e;
        }
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("Status", status);
        answer.put("IdentityToken", "");
        ex.json(200, answer);
    }
}
