package io.berth.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.reference.ImageReference;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.LayerTar;
import io.berth.testkit.TestImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A hostile registry serves wrong bytes for a layer: the pull fails naming it and stores nothing. */
class DigestMismatchTest {
    @TempDir
    Path root;

    @Test
    void refusesACorruptedLayerAndLaterPullsTheGoodOne() throws IOException {
        TestImage image = BusyboxImage.build().image();
        LayerTar.Layer layer = image.layers().getFirst();
        byte[] corrupted = layer.blob().clone();
        corrupted[corrupted.length / 2] ^= 0x55;

        HttpServer hostile = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hostile.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) reply(exchange, 200, "application/json", "{}".getBytes());
            else if (path.equals("/v2/evil/manifests/latest")) reply(exchange, 200, MediaTypes.DOCKER_MANIFEST, image.manifest());
            else if (path.equals("/v2/evil/blobs/" + image.id())) reply(exchange, 200, "application/octet-stream", image.config());
            else if (path.equals("/v2/evil/blobs/" + layer.digest())) reply(exchange, 200, "application/octet-stream", corrupted);
            else reply(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes());
        });
        hostile.start();
        String hostileHost = "127.0.0.1:" + hostile.getAddress().getPort();
        try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            LayerVerificationException e = assertThrows(LayerVerificationException.class,
                    () -> images.pull(ImageReference.parse(hostileHost + "/evil"), p -> {}));
            assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
            assertTrue(e.getMessage().contains(hostileHost + "/evil:latest"), e.getMessage());
            assertEquals(List.of(), entries(root.resolve("blobs/sha256")));
            assertEquals(List.of(), entries(root.resolve("layers/sha256")));
            assertEquals(List.of(), entries(root.resolve("tmp")));
            assertEquals(List.of(), images.list());

            try (TestRegistry good = TestRegistry.start()) {
                image.pushTo(good, "evil:latest");
                Image pulled = images.pull(ImageReference.parse(good.host() + "/evil"), p -> {});
                assertEquals(image.id(), pulled.id());
                assertTrue(Files.exists(images.layerDirs(pulled).getFirst().resolve("bin/busybox")));
            }
        } finally {
            hostile.stop(0);
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}
