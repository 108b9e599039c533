package io.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.UnavailableException;
import io.berth.oci.image.OciJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Registry credentials in docker's config.json format: {@code auths} entries with a base64
 * "user:password" {@code auth} (or an {@code identitytoken}), and {@code credHelpers} (per registry) or
 * {@code credsStore} (for all) naming a {@code docker-credential-<name>} program that is run with
 * get/store/erase, exactly as the docker CLI does. Keys may be "host:port", "https://host:port" or, for
 * Docker Hub, "https://index.docker.io/v1/". The file is re-read on each lookup, so a login by another
 * client is seen; writes go through a temp file and a rename, mode 0600.
 */
public final class Credentials {
    /** Where docker keeps Docker Hub credentials. */
    public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
    private static final long HELPER_TIMEOUT_SECONDS = 30;

    /** What is sent to a registry: a user and password, or an identity token (OAuth2 refresh token) instead of the password. */
    public record AuthConfig(String username, String password, String identityToken) {
        public static AuthConfig of(String username, String password) {
            return new AuthConfig(username, password, null);
        }

        /** "Basic base64(user:password)". */
        String basicHeader() {
            String pair = (username == null ? "" : username) + ":" + (password == null ? "" : password);
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Path configFile;
    /** Where docker-credential-* programs are looked up; null: the PATH. */
    private final Path helperDir;

    public Credentials(Path configFile) {
        this(configFile, null);
    }

    public Credentials(Path configFile, Path helperDir) {
        this.configFile = configFile;
        this.helperDir = helperDir;
    }

    public Path configFile() { return configFile; }

    /** The config key for a registry: docker.io and its API hosts share Docker Hub's legacy key. */
    public static String keyFor(String registryHost) {
        return switch (registryHost) {
            case "docker.io", "index.docker.io", "registry-1.docker.io" -> DOCKER_HUB_KEY;
            default -> registryHost;
        };
    }

    /** Credentials for a registry host ("127.0.0.1:5000", "docker.io"), from a helper or from auths. */
    public Optional<AuthConfig> lookup(String registryHost) {
        String key = keyFor(registryHost);
        ObjectNode config = read();
        Optional<String> helper = helperFor(config, key);
        if (helper.isPresent()) return helperGet(helper.get(), key);
        JsonNode auths = config.path("auths");
        for (Iterator<String> names = auths.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!normalise(name).equals(normalise(key))) continue;
            JsonNode entry = auths.get(name);
            if (entry.hasNonNull("identitytoken")) {
                return Optional.of(new AuthConfig(entry.path("username").asText(null), null, entry.get("identitytoken").asText()));
            }
            if (entry.hasNonNull("auth")) return Optional.of(decodeAuth(entry.get("auth").asText(), name));
            if (entry.hasNonNull("username")) {
                return Optional.of(AuthConfig.of(entry.get("username").asText(), entry.path("password").asText(null)));
            }
        }
        return Optional.empty();
    }

    /** Stores credentials (in the helper if one is configured for the registry, else in auths). */
    public void store(String registryHost, AuthConfig auth) {
        String key = keyFor(registryHost);
        ObjectNode config = read();
        Optional<String> helper = helperFor(config, key);
        if (helper.isPresent()) {
            ObjectNode input = OciJson.MAPPER.createObjectNode();
            input.put("ServerURL", key);
            input.put("Username", auth.identityToken() != null ? "<token>" : auth.username());
            input.put("Secret", auth.identityToken() != null ? auth.identityToken() : auth.password());
            runHelper(helper.get(), "store", input.toString());
            return;
        }
        ObjectNode auths = config.has("auths") && config.get("auths").isObject()
                ? (ObjectNode) config.get("auths") : config.putObject("auths");
        removeMatching(auths, key);
        ObjectNode entry = auths.putObject(key);
        String pair = auth.username() + ":" + (auth.password() == null ? "" : auth.password());
        entry.put("auth", Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        if (auth.identityToken() != null) entry.put("identitytoken", auth.identityToken());
        write(config);
    }

    /** Forgets a registry's credentials; false if there were none ("Not logged in to ..."). */
    public boolean erase(String registryHost) {
        String key = keyFor(registryHost);
        ObjectNode config = read();
        Optional<String> helper = helperFor(config, key);
        if (helper.isPresent()) {
            if (helperGet(helper.get(), key).isEmpty()) return false;
            runHelper(helper.get(), "erase", key);
            return true;
        }
        if (!(config.get("auths") instanceof ObjectNode auths) || !removeMatching(auths, key)) return false;
        write(config);
        return true;
    }

    private static boolean removeMatching(ObjectNode auths, String key) {
        List<String> matching = iterable(auths.fieldNames()).stream().filter(n -> normalise(n).equals(normalise(key))).toList();
        matching.forEach(auths::remove);
        return !matching.isEmpty();
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    /** "https://host:port/..." and "host:port" name the same registry (Docker Hub's key is kept whole). */
    private static String normalise(String key) {
        if (key.equals(DOCKER_HUB_KEY) || key.equals("https://index.docker.io/v1")) return DOCKER_HUB_KEY;
        String stripped = key.replaceFirst("^https?://", "");
        int slash = stripped.indexOf('/');
        return slash < 0 ? stripped : stripped.substring(0, slash);
    }

    private static Optional<String> helperFor(ObjectNode config, String key) {
        JsonNode helpers = config.path("credHelpers");
        for (Iterator<String> names = helpers.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (normalise(name).equals(normalise(key))) return Optional.of(helpers.get(name).asText());
        }
        String store = config.path("credsStore").asText("");
        return store.isEmpty() ? Optional.empty() : Optional.of(store);
    }

    private static AuthConfig decodeAuth(String encoded, String name) {
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(encoded.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("invalid auth configuration for " + name + ": auth is not base64");
        }
        int colon = pair.indexOf(':');
        if (colon < 0) throw new InvalidArgumentException("invalid auth configuration for " + name + ": auth is not user:password");
        return AuthConfig.of(pair.substring(0, colon), pair.substring(colon + 1));
    }

    private Optional<AuthConfig> helperGet(String helper, String key) {
        HelperResult result = runHelperRaw(helper, "get", key);
        if (result.exitCode() != 0) {
            // the helpers' protocol: "credentials not found in native keychain" is no error, only absence
            if (result.output().toLowerCase().contains("credentials not found")) return Optional.empty();
            throw new UnavailableException("error getting credentials for " + key + " from docker-credential-" + helper
                    + ": " + result.output().trim());
        }
        JsonNode reply = OciJson.read(result.output().getBytes(StandardCharsets.UTF_8), JsonNode.class,
                "docker-credential-" + helper + " output");
        String user = reply.path("Username").asText("");
        String secret = reply.path("Secret").asText("");
        if (user.isEmpty() && secret.isEmpty()) return Optional.empty();
        return Optional.of(user.equals("<token>") ? new AuthConfig(null, null, secret) : AuthConfig.of(user, secret));
    }

    private void runHelper(String helper, String action, String input) {
        HelperResult result = runHelperRaw(helper, action, input);
        if (result.exitCode() != 0) {
            throw new UnavailableException("docker-credential-" + helper + " " + action + " failed: " + result.output().trim());
        }
    }

    private record HelperResult(int exitCode, String output) {}

    private HelperResult runHelperRaw(String helper, String action, String input) {
        if (!helper.matches("[A-Za-z0-9._-]+")) throw new InvalidArgumentException("invalid credential helper name: " + helper);
        try {
            String program = "docker-credential-" + helper;
            if (helperDir != null) program = helperDir.resolve(program).toString();
            Process process = new ProcessBuilder(program, action).redirectErrorStream(true).start();
            try (var stdin = process.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new UnavailableException("docker-credential-" + helper + " " + action + " timed out");
            }
            return new HelperResult(process.exitValue(), output);
        } catch (IOException e) {
            throw new UnavailableException("cannot run docker-credential-" + helper + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted running docker-credential-" + helper, e);
        }
    }

    private ObjectNode read() {
        try {
            if (!Files.exists(configFile)) return OciJson.MAPPER.createObjectNode();
            JsonNode node = OciJson.read(Files.readAllBytes(configFile), JsonNode.class, "credentials file " + configFile);
            return node instanceof ObjectNode object ? object : OciJson.MAPPER.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + configFile, e);
        }
    }

    private void write(ObjectNode config) {
        try {
            Path dir = configFile.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".config-", ".json",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, OciJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            Files.move(temp, configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + configFile, e);
        }
    }
}
