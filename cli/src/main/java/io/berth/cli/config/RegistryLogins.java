package io.berth.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's registry logins in docker's config.json shape ({"auths": {"SERVER": {"auth":
 * base64("user:password")}}}), kept in $BERTH_CONFIG/config.json (default ~/.berth/config.json) like
 * docker's ~/.docker/config.json, and turned into the X-Registry-Auth header of pull and push.
 * Other keys of the file are kept as they are.
 */
public final class RegistryLogins {
    /** Docker Hub's key in config.json, as docker writes it. */
    public static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

    private final Path file;
    private final ObjectMapper mapper = new ObjectMapper();

    public RegistryLogins(Path file) {
        this.file = file;
    }

    /** The logins of $BERTH_CONFIG/config.json, else ~/.berth/config.json. */
    public static RegistryLogins of(Map<String, String> environment) {
        return new RegistryLogins(defaultFile(environment));
    }

    public static Path defaultFile(Map<String, String> environment) {
        String dir = environment.get("BERTH_CONFIG");
        if (dir != null && !dir.isEmpty()) return Path.of(dir, "config.json");
        String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".berth", "config.json");
    }

    /** docker.io (and its aliases) is stored under Docker Hub's v1 URL; other servers as HOST[:PORT]. */
    public static String serverKey(String server) {
        if (server == null || server.isBlank()) return DOCKER_HUB_SERVER;
        String host = server.strip().replaceFirst("^[a-zA-Z]+://", "").replaceFirst("/.*$", "");
        return switch (host) {
            case "docker.io", "index.docker.io", "registry-1.docker.io" -> DOCKER_HUB_SERVER;
            default -> host;
        };
    }

    public record Login(String username, String password, String identityToken) {}

    public Optional<Login> find(String server) throws IOException {
        JsonNode entry = read().path("auths").path(serverKey(server));
        if (entry.isMissingNode()) return Optional.empty();
        String username = null;
        String password = null;
        if (entry.hasNonNull("auth")) {
            String pair = new String(Base64.getDecoder().decode(entry.get("auth").asText()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            username = colon < 0 ? pair : pair.substring(0, colon);
            password = colon < 0 ? "" : pair.substring(colon + 1);
        }
        String token = entry.hasNonNull("identitytoken") ? entry.get("identitytoken").asText() : null;
        return Optional.of(new Login(username, password, token));
    }

    public void store(String server, Login login) throws IOException {
        ObjectNode root = read();
        ObjectNode entry = root.withObjectProperty("auths").putObject(serverKey(server));
        if (login.username() != null) {
            entry.put("auth", Base64.getEncoder().encodeToString(
                    (login.username() + ":" + (login.password() == null ? "" : login.password())).getBytes(StandardCharsets.UTF_8)));
        }
        if (login.identityToken() != null && !login.identityToken().isEmpty()) entry.put("identitytoken", login.identityToken());
        write(root);
    }

    /** False when there was no login for the server. */
    public boolean remove(String server) throws IOException {
        ObjectNode root = read();
        if (!(root.get("auths") instanceof ObjectNode auths) || auths.remove(serverKey(server)) == null) return false;
        write(root);
        return true;
    }

    /** The X-Registry-Auth value for a registry: base64url of {username, password, serveraddress[, identitytoken]}, or of "{}". */
    public String header(String registry) throws IOException {
        Map<String, String> auth = new LinkedHashMap<>();
        Optional<Login> login = find(registry);
        if (login.isPresent()) {
            if (login.get().username() != null) auth.put("username", login.get().username());
            if (login.get().password() != null) auth.put("password", login.get().password());
            auth.put("serveraddress", serverKey(registry));
            if (login.get().identityToken() != null) auth.put("identitytoken", login.get().identityToken());
        }
        return Base64.getUrlEncoder().encodeToString(mapper.writeValueAsBytes(auth));
    }

    private ObjectNode read() throws IOException {
        if (!Files.exists(file)) return mapper.createObjectNode();
        JsonNode root = mapper.readTree(file.toFile());
        if (!(root instanceof ObjectNode object)) throw new IOException(file + " is not a JSON object");
        return object;
    }

    /** Written to a private temporary file and renamed, so a crash never leaves half a file or readable secrets. */
    private void write(ObjectNode root) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = Files.createTempFile(file.getParent(), "config", ".json",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            mapper.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), root);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
