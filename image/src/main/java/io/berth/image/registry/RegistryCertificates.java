package io.berth.image.registry;

import io.berth.errdefs.InvalidArgumentException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Which CAs a registry's certificate may chain to: the system's (the JVM's own list plus the
 * distribution's bundle, /etc/ssl/certs/ca-certificates.crt, where admins add theirs), and per
 * registry every {@code *.crt} in {@code certsDir/HOST:PORT/} (docker's layout, e.g.
 * /etc/berth/certs.d/registry.example:5000/ca.crt).
 */
final class RegistryCertificates {
    private static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");
    private final Path certsDir;

    RegistryCertificates(Path certsDir) {
        this.certsDir = certsDir;
    }

    boolean hasCertificates(String hostPort) {
        return certsDir != null && !caFiles(hostPort).isEmpty();
    }

    private List<Path> caFiles(String hostPort) {
        Path dir = certsDir.resolve(hostPort.replace("/", "_"));
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) return files;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.crt")) {
            entries.forEach(files::add);
        } catch (IOException e) {
            throw new InvalidArgumentException("cannot read certificates in " + dir + ": " + e.getMessage());
        }
        return files;
    }

    /** A TLS context trusting the system's CAs. */
    SSLContext systemContext() {
        return context(List.of(), "the system");
    }

    /** A TLS context trusting the system's CAs plus the registry's own. */
    SSLContext sslContext(String hostPort) {
        return context(caFiles(hostPort), "registry " + hostPort);
    }

    private SSLContext context(List<Path> extraCaFiles, String forWhom) {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int n = 0;
            for (var manager : defaults.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate ca : x509.getAcceptedIssuers()) trusted.setCertificateEntry("system-" + n++, ca);
                }
            }
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<Path> files = new ArrayList<>(extraCaFiles);
            if (Files.isReadable(SYSTEM_BUNDLE)) files.addFirst(SYSTEM_BUNDLE);
            for (Path file : files) {
                // buffered: the factory reads PEM a byte at a time, 200k read(2) calls for the system bundle
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                    for (Certificate certificate : factory.generateCertificates(in)) {
                        trusted.setCertificateEntry("registry-" + n++, certificate);
                    }
                }
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, combined.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidArgumentException("cannot load CA certificates for " + forWhom + ": " + e.getMessage());
        }
    }
}
