package io.berth.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.errdefs.BerthException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.UnavailableException;
import io.berth.image.registry.Credentials;
import io.berth.image.registry.Credentials.AuthConfig;
import io.berth.oci.image.OciJson;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestCa;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Registries that demand credentials, for real: docker-registry with htpasswd (Basic), with token
 * auth (a JWT issuer in this test, signing with an openssl key the registry trusts), and with a
 * certificate from a test CA that is trusted only through the certs dir; credentials from a
 * docker config.json, from a credential helper, and per request.
 */
class RegistryCredentialsTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-pass";

    @TempDir
    Path root;

    private final TestImage image = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("etc/app", "secured\n"));

    private ImageService service(String name, Credentials credentials) {
        ImageServiceOptions options = ImageServiceOptions.defaults().withCertsDir(root.resolve("certs"));
        if (credentials != null) options = options.withCredentials(credentials);
        return new ImageService(root.resolve(name), RegistryHosts.defaults(), options);
    }

    /** Pulls the test image from an open registry and tags it for the secured one. */
    private ImageReference stage(ImageService images, TestRegistry open, String target) {
        image.pushTo(open, "staged/app:1");
        Image pulled = images.pull(ImageReference.parse(open.host() + "/staged/app:1"), p -> {});
        ImageReference ref = ImageReference.parse(target);
        images.tag(pulled, ref);
        return ref;
    }

    @Test
    void basicAuthLoginPushPullAndLogoutWithConfigJson() throws IOException {
        Path configFile = root.resolve("docker/config.json");
        Credentials credentials = new Credentials(configFile);
        try (TestRegistry open = TestRegistry.start();
             TestRegistry secured = TestRegistry.startWithHtpasswd(USER, PASSWORD);
             ImageService images = service("store", credentials)) {
            ImageReference ref = stage(images, open, secured.host() + "/team/app:1");

            BerthException anonymous = assertThrows(BerthException.class, () -> images.push(ref, p -> {}));
            assertTrue(anonymous.getMessage().contains("401") || anonymous.getMessage().contains("unauthorized"), anonymous.getMessage());
            InvalidArgumentException wrong = assertThrows(InvalidArgumentException.class,
                    () -> images.login(secured.host(), AuthConfig.of(USER, "wrong")));
            assertTrue(wrong.getMessage().contains("incorrect username or password"), wrong.getMessage());
            assertFalse(Files.exists(configFile), "nothing stored for a failed login");

            assertEquals("Login Succeeded", images.login(secured.host(), AuthConfig.of(USER, PASSWORD)));
            JsonNode stored = OciJson.MAPPER.readTree(configFile.toFile()).path("auths").path(secured.host());
            assertEquals(USER + ":" + PASSWORD, new String(Base64.getDecoder().decode(stored.path("auth").asText()), StandardCharsets.UTF_8));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile)));

            List<PullProgress> events = new ArrayList<>();
            images.push(ref, events::add);
            assertTrue(events.getLast().status().startsWith("1: digest: sha256:"), events.getLast().toString());

            try (ImageService other = service("other", credentials)) {
                assertEquals(image.id(), other.pull(ref, p -> {}).id(), "credentials come from config.json");
            }
            try (ImageService explicit = service("explicit", null)) {
                BerthException denied = assertThrows(BerthException.class,
                        () -> explicit.pull(ref, new PullOptions(null, AuthConfig.of(USER, "wrong")), p -> {}));
                assertTrue(denied.getMessage().contains(ref.familiarName().replace(":1", "")), denied.getMessage());
                assertTrue(explicit.list().isEmpty(), "nothing half-stored");
                assertEquals(image.id(), explicit.pull(ref, new PullOptions(null, AuthConfig.of(USER, PASSWORD)), p -> {}).id());
            }

            assertTrue(images.logout(secured.host()));
            assertFalse(images.logout(secured.host()), "second logout: not logged in");
            assertTrue(OciJson.MAPPER.readTree(configFile.toFile()).path("auths").path(secured.host()).isMissingNode());
            try (ImageService loggedOut = service("logged-out", credentials)) {
                assertThrows(BerthException.class, () -> loggedOut.pull(ref, p -> {}));
            }
        }
    }

    @Test
    void credentialHelperIsAskedAndToldToStore() throws Exception {
        Path helpers = Files.createDirectories(root.resolve("helpers"));
        Path log = root.resolve("helper.log");
        Path helper = helpers.resolve("docker-credential-berthtest");
        // A helper in the docker-credential-helpers protocol: get prints JSON for one server, store/erase are logged.
        Files.writeString(helper, """
                #!/bin/sh
                input=$(cat)
                echo "$1 $input" >> %s
                case "$1" in
                  get) if [ "$input" = "%s" ]; then echo '{"ServerURL":"%s","Username":"%s","Secret":"%s"}'; \
                       else echo "credentials not found in native keychain"; exit 1; fi ;;
                esac
                """.formatted(log, "HOST", "HOST", USER, PASSWORD));
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        Path configFile = root.resolve("config.json");
        Files.writeString(configFile, "{\"credsStore\":\"berthtest\"}");
        try (TestRegistry open = TestRegistry.start();
             TestRegistry secured = TestRegistry.startWithHtpasswd(USER, PASSWORD)) {
            Files.writeString(helper, Files.readString(helper).replace("HOST", secured.host()));
            Credentials credentials = new Credentials(configFile, helpers);
            assertEquals(AuthConfig.of(USER, PASSWORD), credentials.lookup(secured.host()).orElseThrow());
            assertTrue(credentials.lookup("elsewhere:5000").isEmpty());
            try (ImageService images = service("store", credentials)) {
                ImageReference ref = stage(images, open, secured.host() + "/helper/app:1");
                images.push(ref, p -> {});
                images.login(secured.host(), AuthConfig.of(USER, PASSWORD));
                images.logout(secured.host());
            }
            String calls = Files.readString(log);
            assertTrue(calls.contains("store {\"ServerURL\":\"" + secured.host() + "\",\"Username\":\"alice\",\"Secret\":\"s3cret-pass\"}"), calls);
            assertTrue(calls.contains("erase " + secured.host()), calls);
            assertFalse(Files.readString(configFile).contains("auths"), "a helper keeps secrets out of config.json");
        }
    }

    /** A token issuer in distribution's format: Basic-authenticated GET with service and scope, RS256 JWT with an x5c chain. */
    private static final class TokenServer implements AutoCloseable {
        final HttpServer server;
        final AtomicInteger issued = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        private final TestCa signer;

        TokenServer(TestCa signer) throws IOException {
            this.signer = signer;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/token", this::token);
            server.start();
        }

        URI realm() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
        }

        private void token(HttpExchange exchange) throws IOException {
            String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                refused.incrementAndGet();
                reply(exchange, 401, "{\"details\":\"incorrect username or password\"}");
                return;
            }
            List<String> scopes = new ArrayList<>();
            String query = exchange.getRequestURI().getRawQuery();
            for (String param : query == null ? new String[0] : query.split("&")) {
                if (param.startsWith("scope=")) scopes.add(URLDecoder.decode(param.substring(6), StandardCharsets.UTF_8));
            }
            issued.incrementAndGet();
            reply(exchange, 200, "{\"token\":\"" + jwt(scopes) + "\",\"expires_in\":300}");
        }

        private String jwt(List<String> scopes) {
            ObjectNode header = OciJson.MAPPER.createObjectNode().put("typ", "JWT").put("alg", "RS256");
            header.putArray("x5c").add(signer.certificateDerBase64());
            long now = Instant.now().getEpochSecond();
            ObjectNode claims = OciJson.MAPPER.createObjectNode().put("iss", "berth-test-issuer").put("sub", USER)
                    .put("aud", "berth-test-registry").put("exp", now + 300).put("nbf", now - 10).put("iat", now)
                    .put("jti", UUID.randomUUID().toString());
            ArrayNode access = claims.putArray("access");
            for (String scope : scopes) {
                String[] parts = scope.split(":");
                ObjectNode entry = access.addObject().put("type", parts[0]).put("name", parts[1]);
                ArrayNode actions = entry.putArray("actions");
                for (String action : parts[2].split(",")) actions.add(action);
            }
            Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
            String signingInput = url.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                    + url.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
            try {
                Signature rsa = Signature.getInstance("SHA256withRSA");
                rsa.initSign(signer.privateKey());
                rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                return signingInput + "." + url.encodeToString(rsa.sign());
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void bearerTokensFromATokenServerAreFetchedWithCredentialsAndReused() throws IOException {
        TestCa signer = TestCa.create(root.resolve("token-ca"), "berth-test-issuer");
        try (TokenServer tokens = new TokenServer(signer);
             TestRegistry open = TestRegistry.start();
             TestRegistry secured = TestRegistry.startWithTokenAuth(tokens.realm(), "berth-test-registry", "berth-test-issuer",
                     signer.certificate());
             ImageService images = service("store", null)) {
            ImageReference ref = stage(images, open, secured.host() + "/tokens/app:1");
            AuthConfig alice = AuthConfig.of(USER, PASSWORD);

            InvalidArgumentException wrong = assertThrows(InvalidArgumentException.class,
                    () -> images.push(ref, new PushOptions(AuthConfig.of(USER, "nope"), false), p -> {}));
            assertTrue(wrong.getMessage().contains("incorrect username or password"), wrong.getMessage());
            assertTrue(tokens.refused.get() > 0);

            images.push(ref, new PushOptions(alice, false), p -> {});
            int afterPush = tokens.issued.get();
            assertTrue(afterPush >= 1 && afterPush <= 2, "one token per scope, reused across requests: " + afterPush);
            try (ImageService puller = service("puller", null)) {
                Image pulled = puller.pull(ref, new PullOptions(null, alice), p -> {});
                assertEquals(image.id(), pulled.id());
                assertEquals("secured\n", Files.readString(puller.layerDirs(pulled).getLast().resolve("etc/app")));
                int afterPull = tokens.issued.get();
                puller.pull(ref, new PullOptions(null, alice), p -> {});
                assertEquals(afterPull, tokens.issued.get(), "a second pull reuses the cached token");
                assertThrows(BerthException.class, () -> puller.pull(ImageReference.parse(secured.host() + "/tokens/app:1"),
                        new PullOptions(null, AuthConfig.of(USER, "nope")), p -> {}));
            }
            assertEquals("Login Succeeded", images.login(secured.host(), alice));
            assertThrows(InvalidArgumentException.class, () -> images.login(secured.host(), AuthConfig.of(USER, "nope")));
        }
    }

    @Test
    void trustsARegistryCaOnlyThroughTheCertsDir() throws IOException {
        String hostname = InetAddress.getLocalHost().getHostName();
        assumeTrue(InetAddress.getByName(hostname).isLoopbackAddress(), "needs a host name that resolves to loopback");
        TestCa ca = TestCa.create(root.resolve("ca"), "Berth Test CA");
        try (TestRegistry registry = TestRegistry.startWithCertificate(ca, hostname)) {
            image.pushTo(registry, "tls/app:1");
            ImageReference ref = ImageReference.parse(hostname + ":" + registry.port() + "/tls/app:1");
            try (ImageService untrusting = service("untrusting", null)) {
                UnavailableException e = assertThrows(UnavailableException.class, () -> untrusting.pull(ref, p -> {}));
                assertTrue(e.getMessage().contains(hostname + ":" + registry.port()), e.getMessage());
            }
            Path hostCerts = Files.createDirectories(root.resolve("certs").resolve(hostname + ":" + registry.port()));
            Files.copy(ca.certificate(), hostCerts.resolve("ca.crt"));
            try (ImageService trusting = service("trusting", null)) {
                assertEquals(image.id(), trusting.pull(ref, p -> {}).id());
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
