package io.berth.testkit;

import io.berth.image.layer.Trees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker Distribution registry (Debian's /usr/bin/docker-registry) on a free loopback port,
 * with its own temp storage, plain HTTP or (startWithTls) HTTPS with a self-signed certificate;
 * close() stops it and deletes the storage.
 */
public final class TestRegistry implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static final Duration STARTUP = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private final Process process;
    private final boolean tls;
    /** Stops the registry if the JVM exits without close(), so no registry outlives its test run. */
    private final Thread exitHook;

    private TestRegistry(Path dir, int port, Process process, boolean tls) {
        this.tls = tls;
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.exitHook = new Thread(() -> {
            process.destroyForcibly();
            deleteQuietly(dir);
        }, "test-registry-stop");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /** Starts a plain-HTTP registry and waits (bounded) until GET /v2/ answers. */
    public static TestRegistry start() {
        return start(false, dir -> "");
    }

    /** Starts a registry serving HTTPS with a fresh self-signed certificate (openssl), as an "insecure" registry does. */
    public static TestRegistry startWithTls() {
        return start(true, TestRegistry::selfSignedTls);
    }

    /** HTTPS with a certificate for {@code hostname} (and 127.0.0.1) issued by {@code ca}. */
    public static TestRegistry startWithCertificate(TestCa ca, String hostname) {
        return start(true, dir -> {
            TestCa.Issued issued = ca.issue(hostname, dir);
            return "  tls:\n    certificate: " + issued.certificate() + "\n    key: " + issued.key() + "\n";
        });
    }

    /**
     * Plain HTTP with Basic auth from an htpasswd file holding one bcrypt line (written with
     * python3's crypt, as apache2-utils' htpasswd is not installed here).
     */
    public static TestRegistry startWithHtpasswd(String user, String password) {
        return start(false, dir -> {
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, user + ":" + bcrypt(password, dir) + "\n");
            return "auth:\n  htpasswd:\n    realm: berth-test\n    path: " + htpasswd + "\n";
        });
    }

    /**
     * Plain HTTP with distribution's token auth: clients are sent to {@code realm} for a JWT that
     * must be signed by a key whose certificate chains to {@code rootCertBundle}.
     */
    public static TestRegistry startWithTokenAuth(URI realm, String service, String issuer, Path rootCertBundle) {
        return start(false, dir -> "auth:\n  token:\n    realm: " + realm + "\n    service: " + service
                + "\n    issuer: " + issuer + "\n    rootcertbundle: " + rootCertBundle + "\n");
    }

    private static String bcrypt(String password, Path dir) throws IOException {
        Process python = new ProcessBuilder("python3", "-W", "ignore", "-c",
                "import crypt,sys; print(crypt.crypt(sys.stdin.readline().rstrip('\\n'), crypt.mksalt(crypt.METHOD_BLOWFISH)))")
                .redirectError(dir.resolve("bcrypt.log").toFile()).start();
        try (var stdin = python.getOutputStream()) {
            stdin.write((password + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String hash = new String(python.getInputStream().readAllBytes()).trim();
        try {
            if (python.waitFor() != 0 || !hash.startsWith("$2")) throw new IOException("bcrypt failed: " + Files.readString(dir.resolve("bcrypt.log")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted hashing a password", e);
        }
        return hash;
    }

    /** Writes what a registry variant needs into its directory and returns the config lines enabling it. */
    @FunctionalInterface
    private interface ConfigPart {
        String write(Path dir) throws IOException;
    }

    private static TestRegistry start(boolean tls, ConfigPart extra) {
        Path dir = null;
        Process process = null;
        try {
            dir = Files.createTempDirectory("berth-registry-");
            int port = freePort();
            Path config = dir.resolve("config.yml");
            String tlsConfig = extra.write(dir);
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: warn
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                    %s""".formatted(dir.resolve("data"), port, tlsConfig.startsWith("  ") ? tlsConfig : "\n" + tlsConfig));
            process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
            TestRegistry registry = new TestRegistry(dir, port, process, tls);
            registry.awaitReady();
            return registry;
        } catch (IOException | RuntimeException e) {
            if (process != null) process.destroyForcibly();
            deleteQuietly(dir);
            throw e instanceof RuntimeException r ? r : new UncheckedIOException("cannot start " + BINARY, (IOException) e);
        }
    }

    /** Writes a self-signed certificate for 127.0.0.1 and returns the config lines that enable it. */
    private static String selfSignedTls(Path dir) throws IOException {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        try {
            if (openssl.waitFor() != 0) throw new IOException("openssl failed: " + Files.readString(dir.resolve("openssl.log")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted generating a certificate", e);
        }
        return "  tls:\n    certificate: " + cert + "\n    key: " + key + "\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with " + process.exitValue() + ": " + log());
            }
            if (answers()) return;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the registry", e);
            }
        }
        throw new IOException("docker-registry did not answer on " + host() + " within " + STARTUP + ": " + log());
    }

    /** Whether the registry answers /v2/ yet (a plain TCP connect first: the Go server then speaks TLS or HTTP). */
    private boolean answers() {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        } catch (IOException notYet) {
            return false;
        }
        if (tls) return true;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            HttpRequest ping = HttpRequest.newBuilder(uri().resolve("/v2/")).timeout(Duration.ofSeconds(2)).build();
            int status = client.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 200 || status == 401; // 401: up, and demanding credentials
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String log() throws IOException {
        Path log = dir.resolve("registry.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** "127.0.0.1:PORT", the registry part of references to images in it. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** http://127.0.0.1:PORT, usable as a --registry-mirror. */
    public URI uri() {
        return URI.create((tls ? "https://" : "http://") + host());
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException exiting) {
            // the hook is running already
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try {
            Trees.delete(dir);
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
