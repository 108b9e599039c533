package io.berth.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.errdefs.BerthException;
import io.berth.errdefs.InvalidArgumentException;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registries that misbehave in the ways a pull must survive: a blob cut off mid-stream, a manifest
 * of an unknown media type, a layer built to escape its directory. Each pull fails with an error
 * naming the image (and the layer), leaves nothing in the store, and the next pull from a good
 * registry succeeds.
 */
class HostileRegistryTest {
    @TempDir
    Path root;

    private static final String MANIFEST = "/v2/evil/manifests/latest";

    /** Serves an image's manifest, config and layers; {@code layerBody} decides what a layer request gets. */
    private static HttpServer serve(TestImage image, String manifestType, byte[] manifest, Function<LayerTar.Layer, Responder> layerBody)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                reply(exchange, "application/json", "{}".getBytes());
            } else if (path.equals(MANIFEST)) {
                reply(exchange, manifestType, manifest);
            } else if (path.equals("/v2/evil/blobs/" + image.id())) {
                reply(exchange, "application/octet-stream", image.config());
            } else {
                for (LayerTar.Layer layer : image.layers()) {
                    if (path.equals("/v2/evil/blobs/" + layer.digest())) {
                        layerBody.apply(layer).respond(exchange);
                        return;
                    }
                }
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.start();
        return server;
    }

    @FunctionalInterface
    private interface Responder {
        void respond(HttpExchange exchange) throws IOException;
    }

    private static void reply(HttpExchange exchange, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private void assertNothingStored(ImageService images) throws IOException {
        assertEquals(List.of(), images.list());
        for (String dir : List.of("blobs/sha256", "layers/sha256", "tmp")) {
            try (Stream<Path> entries = Files.list(root.resolve(dir))) {
                assertEquals(List.of(), entries.toList(), dir + " is empty");
            }
        }
    }

    private void assertNextPullSucceeds(ImageService images, TestImage image) {
        try (TestRegistry good = TestRegistry.start()) {
            image.pushTo(good, "evil:latest");
            assertEquals(image.id(), images.pull(ImageReference.parse(good.host() + "/evil"), p -> {}).id());
        }
    }

    @Test
    void aRegistryThatStopsMidBlob() throws IOException {
        TestImage image = BusyboxImage.build().image();
        LayerTar.Layer layer = image.layers().getFirst();
        HttpServer server = serve(image, MediaTypes.DOCKER_MANIFEST, image.manifest(), l -> exchange -> {
            // promise the whole blob, send half, hang up
            exchange.sendResponseHeaders(200, l.blob().length);
            OutputStream out = exchange.getResponseBody();
            out.write(l.blob(), 0, l.blob().length / 2);
            out.flush();
            exchange.close();
        });
        String host = "127.0.0.1:" + server.getAddress().getPort();
        try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            BerthException e = assertThrows(BerthException.class, () -> images.pull(ImageReference.parse(host + "/evil"), p -> {}));
            assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
            assertTrue(e.getMessage().contains(host + "/evil:latest"), e.getMessage());
            assertNothingStored(images);
            assertNextPullSucceeds(images, image);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aManifestOfAnUnknownMediaType() throws IOException {
        TestImage image = BusyboxImage.build().image();
        String unknownType = "application/vnd.example.unknown+json";
        byte[] unknown = new String(image.manifest(), StandardCharsets.UTF_8).replace(MediaTypes.DOCKER_MANIFEST, unknownType)
                .getBytes(StandardCharsets.UTF_8);
        HttpServer server = serve(image, unknownType, unknown, l -> exchange -> reply(exchange, "application/octet-stream", l.blob()));
        String host = "127.0.0.1:" + server.getAddress().getPort();
        try (ImageService images = new ImageService(root, RegistryHosts.defaults())) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> images.pull(ImageReference.parse(host + "/evil"), p -> {}));
            assertTrue(e.getMessage().contains("application/vnd.example.unknown+json"), e.getMessage());
            assertTrue(e.getMessage().contains(host + "/evil:latest"), e.getMessage());
            assertNothingStored(images);
            assertNextPullSucceeds(images, image);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aSymlinkInALowerLayerIsNotFollowedByTheLayerAbove() throws IOException {
        Path outside = Files.createDirectory(root.resolve("outside"));
        TestImage image = TestImage.of(new LayerTar().symlink("escape", outside.toString()).symlink("up", "../../../.."),
                new LayerTar().file("escape/planted", "owned\n").file("up" + outside + "/planted2", "owned\n"));
        try (TestRegistry registry = TestRegistry.start();
             ImageService images = new ImageService(root.resolve("store"), RegistryHosts.defaults())) {
            image.pushTo(registry, "layered:1");
            Image pulled = images.pull(ImageReference.parse(registry.host() + "/layered:1"), p -> {});
            try (Stream<Path> entries = Files.list(outside)) {
                assertEquals(List.of(), entries.toList(), "nothing written through the lower layer's symlinks");
            }
            // each layer is unpacked into its own directory: the upper one has real directories there
            Path upper = images.layerDirs(pulled).getLast();
            assertTrue(Files.isDirectory(upper.resolve("escape"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals("owned\n", Files.readString(upper.resolve("escape/planted")));
        }
    }

    @Test
    void aLayerThatTriesToEscapeItsDirectory() throws IOException {
        Path outside = Files.createDirectory(root.resolve("outside"));
        TestImage image = TestImage.of(new LayerTar().symlink("escape", outside.toString()).file("escape/planted", "owned\n"));
        HttpServer server = serve(image, MediaTypes.DOCKER_MANIFEST, image.manifest(),
                l -> exchange -> reply(exchange, "application/octet-stream", l.blob()));
        String host = "127.0.0.1:" + server.getAddress().getPort();
        Path store = root.resolve("store");
        try (ImageService images = new ImageService(store, RegistryHosts.defaults())) {
            BerthException e = assertThrows(BerthException.class, () -> images.pull(ImageReference.parse(host + "/evil"), p -> {}));
            assertTrue(e.getMessage().contains(image.layers().getFirst().digest().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("escape/planted"), e.getMessage());
            assertFalse(Files.exists(outside.resolve("planted")));
            assertEquals(List.of(), images.list());
        } finally {
            server.stop(0);
        }
    }
}
