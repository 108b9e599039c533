package io.berth.api.server.endpoints;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.registry.Credentials.AuthConfig;

import java.io.IOException;
import java.util.Base64;
import java.util.Optional;

/**
 * Docker's registry credentials as the API carries them: the body of POST /auth, and the
 * X-Registry-Auth header of pull and push (the same JSON, base64url, padding optional).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record RegistryAuth(@JsonProperty("username") String username, @JsonProperty("password") String password,
                    @JsonProperty("serveraddress") String serverAddress,
                    @JsonProperty("identitytoken") String identityToken) {

    static final String HEADER = "X-Registry-Auth";

    /** The header's credentials; empty for no header, "{}" or a header without user or token (anonymous). */
    static Optional<RegistryAuth> fromHeader(Optional<String> header, ObjectMapper mapper) {
        if (header.isEmpty()) return Optional.empty();
        // The docker CLI uses the URL alphabet; older clients the standard one.
        String text = header.get().strip().replace('+', '-').replace('/', '_');
        try {
            RegistryAuth auth = mapper.readValue(Base64.getUrlDecoder().decode(text), RegistryAuth.class);
            return auth.isAnonymous() ? Optional.empty() : Optional.of(auth);
        } catch (IllegalArgumentException | IOException e) {
            throw new InvalidArgumentException("invalid X-Registry-Auth header: " + e.getMessage());
        }
    }

    boolean isAnonymous() {
        return isBlank(username) && isBlank(identityToken);
    }

    AuthConfig toAuthConfig() {
        return new AuthConfig(username, password, isBlank(identityToken) ? null : identityToken);
    }

    /** "https://index.docker.io/v1/" and "http://host:5000/" become the registry host the image store keys on. */
    String registryHost() {
        if (isBlank(serverAddress)) return "docker.io";
        String host = serverAddress.strip().replaceFirst("^[a-zA-Z]+://", "").replaceFirst("/.*$", "");
        return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? "docker.io" : host;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
