package io.berth.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.oci.Digest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A registry that demands a Bearer token (docker.io's flow) and redirects blob downloads to another
 * host name (like docker.io's CDN), served by the JDK's HttpServer on loopback; the second image needs Basic credentials.
 */
class RegistryAuthTest {
    private static final String TOKEN = "t0k3n";

    @TempDir
    Path root;

    private final TestImage image = TestImage.of(BusyboxImage.rootfs(), new LayerTar().file("secret", "s\n"));
    private final Map<String, byte[]> blobs = new HashMap<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicInteger redirectedWithCredentials = new AtomicInteger();
    private HttpServer server;
    private String host;

    @BeforeEach
    void serve() throws IOException {
        for (LayerTar.Layer layer : image.layers()) blobs.put(layer.digest().toString(), layer.blob());
        blobs.put(image.id().toString(), image.config());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            tokenRequests.incrementAndGet();
            boolean rightScope = query.contains("scope=repository:secure/app:pull") && query.contains("service=test-registry");
            reply(exchange, rightScope ? 200 : 400, ("{\"token\":\"" + TOKEN + "\",\"expires_in\":300}").getBytes());
        });
        server.createContext("/storage/", exchange -> {
            if (exchange.getRequestHeaders().containsKey("Authorization")) redirectedWithCredentials.incrementAndGet();
            reply(exchange, 200, blobs.get(exchange.getRequestURI().getPath().substring("/storage/".length())));
        });
        server.createContext("/v2/", this::registry);
        server.start();
    }

    private void registry(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (!("Bearer " + TOKEN).equals(auth)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + host
                    + "/token\",service=\"test-registry\",scope=\"repository:secure/app:pull\"");
            reply(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes());
        } else if (path.equals("/v2/")) {
            reply(exchange, 200, "{}".getBytes());
        } else if (path.equals("/v2/secure/app/manifests/1")) {
            exchange.getResponseHeaders().set("Content-Type", MediaTypes.DOCKER_MANIFEST);
            reply(exchange, 200, image.manifest());
        } else if (path.startsWith("/v2/secure/app/blobs/")) {
            String digest = path.substring("/v2/secure/app/blobs/".length());
            // another host name for the same server: credentials must not follow the redirect
            exchange.getResponseHeaders().set("Location", "http://localhost:" + server.getAddress().getPort() + "/storage/" + digest);
            reply(exchange, 307, new byte[0]);
        } else {
            reply(exchange, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}".getBytes());
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void fetchesOneTokenAndFollowsBlobRedirectsWithoutCredentials() throws IOException {
        try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            Image pulled = images.pull(ImageReference.parse(host + "/secure/app:1"), p -> {});
            assertEquals(image.id(), pulled.id());
            assertEquals("s\n", Files.readString(images.layerDirs(pulled).get(1).resolve("secret")));
            assertEquals(1, tokenRequests.get(), "the token is reused for the repository");
            assertEquals(0, redirectedWithCredentials.get());
        }
    }

    @Test
    void sendsBasicCredentialsFromTheMirrorUriToTheTokenEndpoint() {
        AtomicInteger basic = new AtomicInteger();
        String expected = "Basic " + Base64.getEncoder().encodeToString("user:pw".getBytes(StandardCharsets.UTF_8));
        server.removeContext("/token");
        server.createContext("/token", exchange -> {
            if (expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) basic.incrementAndGet();
            reply(exchange, 200, ("{\"access_token\":\"" + TOKEN + "\"}").getBytes());
        });
        // a docker.io reference served by an authenticated mirror
        RegistryHosts hosts = new RegistryHosts(List.of(URI.create("http://user:pw@" + host)), List.of());
        try (ImageService images = new ImageService(root, hosts)) {
            Image pulled = images.pull(ImageReference.parse("secure/app:1"), p -> {});
            assertEquals(image.id(), pulled.id());
            assertEquals(List.of("secure/app:1"), pulled.repoTags());
            assertTrue(basic.get() >= 1);
        }
    }
}
