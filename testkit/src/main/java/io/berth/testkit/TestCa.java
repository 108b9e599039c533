package io.berth.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away certificate authority made with openssl in a directory the caller owns (a test's
 * temp dir): {@link #certificate()} is what a client trusts (e.g. certs.d/HOST:PORT/ca.crt),
 * {@link #issue} signs a server certificate for a host name and 127.0.0.1. Also usable as a plain
 * self-signed signing key, e.g. for registry tokens.
 */
public final class TestCa {
    /** A certificate and its PKCS#8 private key, as PEM files. */
    public record Issued(Path certificate, Path key) {}

    private final Path certificate;
    private final Path key;

    private TestCa(Path certificate, Path key) {
        this.certificate = certificate;
        this.key = key;
    }

    public static TestCa create(Path dir, String commonName) {
        try {
            Files.createDirectories(dir);
            Path cert = dir.resolve("ca.crt");
            Path key = dir.resolve("ca.key");
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + commonName,
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
                    "-keyout", key.toString(), "-out", cert.toString());
            return new TestCa(cert, key);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Path certificate() { return certificate; }

    public Path key() { return key; }

    /** Issues a server certificate for {@code hostname} and IP 127.0.0.1 into {@code into}. */
    public Issued issue(String hostname, Path into) throws IOException {
        Path key = into.resolve(hostname + ".key");
        Path csr = into.resolve(hostname + ".csr");
        Path cert = into.resolve(hostname + ".crt");
        Path extensions = into.resolve(hostname + ".ext");
        Files.writeString(extensions, "subjectAltName=DNS:" + hostname + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl(into, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + hostname,
                "-keyout", key.toString(), "-out", csr.toString());
        openssl(into, "x509", "-req", "-in", csr.toString(), "-CA", certificate.toString(), "-CAkey", this.key.toString(),
                "-CAcreateserial", "-days", "1", "-extfile", extensions.toString(), "-out", cert.toString());
        return new Issued(cert, key);
    }

    /** The CA's private key, for signing (RS256 tokens). */
    public PrivateKey privateKey() {
        try {
            String pem = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + key, e);
        }
    }

    /** The certificate's DER bytes, base64 (as a JWT x5c entry wants them). */
    public String certificateDerBase64() {
        try {
            return Files.readString(certificate).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + certificate, e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (process.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running openssl", e);
        }
    }
}
