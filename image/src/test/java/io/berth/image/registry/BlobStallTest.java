package io.berth.image.registry;

import com.sun.net.httpserver.HttpServer;
import io.berth.image.RegistryHosts;
import io.berth.oci.Digest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A registry that sends part of a blob and then nothing: the download is aborted, not left hanging. */
class BlobStallTest {
    @Test
    void abortsABlobDownloadThatStopsDelivering() throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/v2/")) {
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, 1000);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[10]);
                out.flush();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        String host = "127.0.0.1:" + server.getAddress().getPort();
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(), Duration.ofMillis(500))) {
            // given as a mirror: used with its scheme as is, no https probe
            Endpoint endpoint = new Endpoint(java.net.URI.create("http://" + host), host, true, true);
            RegistryRepository repository = client.open(endpoint, "stalling");
            BlobStream blob = repository.openBlob(Digest.sha256(new byte[0]));
            long start = System.nanoTime();
            try (InputStream in = blob.body()) {
                assertEquals(10, in.readNBytes(10).length);
                IOException e = assertThrows(IOException.class, in::readAllBytes);
                assertTrue(e.getMessage().contains("no data received"), e.getMessage());
            }
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
