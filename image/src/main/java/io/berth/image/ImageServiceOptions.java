package io.berth.image;

import io.berth.image.layer.ExtractionLimits;
import io.berth.image.registry.Credentials;

import java.nio.file.Path;

/**
 * Tunables of an {@link ImageService} beyond where registries are ({@link RegistryHosts}):
 * {@code certsDir} holds per-registry CA certificates in docker's layout ({@code HOST:PORT/*.crt});
 * {@code credentials} (may be null) is the docker-style config.json consulted when a pull or push
 * brings no credentials of its own, and written by login/logout; transfers run up to
 * {@code maxConcurrentDownloads}/{@code maxConcurrentUploads} layers at a time; {@code limits} bound
 * what one layer may unpack to.
 */
public record ImageServiceOptions(Path certsDir, Credentials credentials, int maxConcurrentDownloads,
                                  int maxConcurrentUploads, ExtractionLimits limits) {
    public static final Path DEFAULT_CERTS_DIR = Path.of("/etc/berth/certs.d");

    public ImageServiceOptions {
        if (maxConcurrentDownloads < 1 || maxConcurrentUploads < 1) {
            throw new IllegalArgumentException("concurrent transfers must be at least 1");
        }
    }

    public static ImageServiceOptions defaults() {
        return new ImageServiceOptions(DEFAULT_CERTS_DIR, null, 3, 3, ExtractionLimits.defaults());
    }

    public ImageServiceOptions withCertsDir(Path dir) {
        return new ImageServiceOptions(dir, credentials, maxConcurrentDownloads, maxConcurrentUploads, limits);
    }

    public ImageServiceOptions withCredentials(Credentials store) {
        return new ImageServiceOptions(certsDir, store, maxConcurrentDownloads, maxConcurrentUploads, limits);
    }

    public ImageServiceOptions withConcurrency(int downloads, int uploads) {
        return new ImageServiceOptions(certsDir, credentials, downloads, uploads, limits);
    }

    public ImageServiceOptions withLimits(ExtractionLimits extractionLimits) {
        return new ImageServiceOptions(certsDir, credentials, maxConcurrentDownloads, maxConcurrentUploads, extractionLimits);
    }
}
