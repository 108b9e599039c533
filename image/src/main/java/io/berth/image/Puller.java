package io.berth.image;

import io.berth.errdefs.BerthException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.errdefs.UnavailableException;
import io.berth.image.layer.LayerUnpack;
import io.berth.image.registry.BlobStream;
import io.berth.image.registry.Endpoint;
import io.berth.image.registry.FetchedManifest;
import io.berth.image.registry.RegistryRepository;
import io.berth.image.store.LayerStore;
import io.berth.image.store.MetadataStore.ImageLayer;
import io.berth.image.store.MetadataStore.ImageRecord;
import io.berth.image.store.MetadataStore.RepoDigest;
import io.berth.image.store.StoreException;
import io.berth.oci.Digest;
import io.berth.oci.DigestMismatchException;
import io.berth.oci.DigestingInputStream;
import io.berth.oci.image.Descriptor;
import io.berth.oci.image.ImageConfig;
import io.berth.oci.image.Index;
import io.berth.oci.image.Manifest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.image.Platform;
import io.berth.oci.reference.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One pull: endpoints in order, manifest (index -&gt; the requested platform, linux/amd64 by default),
 * config, then up to the configured number of layers at a time.
 */
final class Puller {
    private final ImageService service;
    private final Consumer<PullProgress> progress;
    private final PullOptions options;
    private final Platform platform;

    Puller(ImageService service, PullOptions options, Consumer<PullProgress> progress) {
        this.service = service;
        this.progress = progress;
        this.options = options;
        this.platform = options.platform() != null ? options.platform() : Platform.of(ImageService.OS, ImageService.ARCHITECTURE);
    }

    Image pull(ImageReference ref) {
        List<Endpoint> endpoints = service.registry.endpoints(ref);
        BerthException notFound = null;
        BerthException firstFailure = null;
        for (Endpoint endpoint : endpoints) {
            try {
                return pullFrom(endpoint, ref);
            } catch (NotFoundException e) {
                if (notFound == null) notFound = e;
            } catch (UnavailableException e) {
                // a layer that failed verification is not a reason to try a mirror's sibling: report it
                if (e instanceof LayerVerificationException) throw e;
                if (firstFailure == null) firstFailure = e;
            }
        }
        // A definite "not found" from a mirror says more than the unreachable hub behind it.
        throw notFound != null ? notFound : firstFailure;
    }

    private Image pullFrom(Endpoint endpoint, ImageReference ref) {
        RegistryRepository repository = service.registry.open(endpoint, ref.path(), options.auth());
        String pullId = ref.tag() != null ? ref.tag() : ref.digest().toString();
        emit(PullProgress.message(pullId, "Pulling from " + ref.path()));
        FetchedManifest fetched = repository.fetchManifest(ref.manifestReference(), ref.familiarName());
        Digest repoDigest = fetched.digest();
        // Manifests and config are stored only once the layers are in: a failed pull leaves no blobs behind.
        List<byte[]> documents = new ArrayList<>();
        if (MediaTypes.isIndex(fetched.mediaType())) {
            Index index = OciJson.read(fetched.bytes(), Index.class, "manifest list for " + ref.familiarName());
            Descriptor chosen = index.select(platform).orElseThrow(() -> new NotFoundException(
                    "no matching manifest for " + platform + " in the manifest list entries of " + ref.familiarName()));
            documents.add(fetched.bytes());
            fetched = repository.fetchManifest(chosen.digest().toString(), ref.familiarName());
        } else if (!MediaTypes.isManifest(fetched.mediaType())) {
            throw new InvalidArgumentException("unsupported manifest media type " + fetched.mediaType() + " for " + ref.familiarName());
        }
        Manifest manifest = OciJson.read(fetched.bytes(), Manifest.class, "manifest for " + ref.familiarName());
        if (manifest.config() == null || manifest.layers() == null) {
            throw new InvalidArgumentException("manifest for " + ref.familiarName() + " has no config or layers");
        }
        documents.add(fetched.bytes());
        byte[] configBytes = fetchConfig(repository, manifest.config(), ref);
        documents.add(configBytes);
        ImageConfig config = OciJson.read(configBytes, ImageConfig.class, "image config of " + ref.familiarName());
        if (options.platform() != null && config.os() != null && config.architecture() != null
                && !Platform.of(config.os(), config.architecture()).matches(platform.os(), platform.architecture())) {
            throw new NotFoundException("image with reference " + ref.familiarName() + " was found but does not match the specified platform: wanted "
                    + platform + ", actual: " + config.os() + "/" + config.architecture());
        }
        List<Digest> diffIds = config.diffIds();
        if (diffIds.size() != manifest.layers().size()) {
            throw new InvalidArgumentException("image " + ref.familiarName() + ": manifest lists " + manifest.layers().size()
                    + " layers but its config " + diffIds.size() + " diff ids");
        }
        List<Digest> chainIds = ChainIds.of(diffIds);
        Digest id = manifest.config().digest();
        boolean existed = service.store.metadata().image(id).isPresent();
        pullLayers(repository, ref, manifest.layers(), diffIds, chainIds);

        List<ImageLayer> imageLayers = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < chainIds.size(); i++) {
            Descriptor layer = manifest.layers().get(i);
            imageLayers.add(new ImageLayer(i, chainIds.get(i), layer.digest(), layer.mediaType(), layer.size()));
            size += service.store.metadata().layer(chainIds.get(i)).orElseThrow().size();
        }
        Optional<String> tagName = ref.tag() != null ? Optional.of(ref.withTag(ref.tag()).toString()) : Optional.empty();
        boolean tagUnchanged = tagName.flatMap(service.store.metadata()::tagTarget).map(id::equals).orElse(ref.tag() == null);
        String digestName = ref.name() + "@" + repoDigest;
        documents.forEach(this::storeBlob);
        service.store.metadata().saveImage(new ImageRecord(id, fetched.digest(), fetched.mediaType(), size), imageLayers,
                tagName, Optional.of(new RepoDigest(digestName, ref.name(), repoDigest)));
        emit(null, "Digest: " + repoDigest);
        emit(null, existed && tagUnchanged
                ? "Status: Image is up to date for " + ref.familiarName()
                : "Status: Downloaded newer image for " + ref.familiarName());
        return service.image(id);
    }

    private void storeBlob(byte[] bytes) {
        try {
            service.store.blobs().write(bytes);
        } catch (IOException e) {
            throw new StoreException("storing manifest", e);
        }
    }

    /** The config's bytes, verified against its digest (from the store if present). */
    private byte[] fetchConfig(RegistryRepository repository, Descriptor descriptor, ImageReference ref) {
        Digest digest = descriptor.digest();
        try {
            if (service.store.blobs().contains(digest)) return service.store.blobs().read(digest);
            BlobStream blob = repository.openBlob(digest);
            try (InputStream in = new DigestingInputStream(blob.body(), digest, descriptor.size() > 0 ? descriptor.size() : -1)) {
                return in.readAllBytes();
            }
        } catch (DigestMismatchException e) {
            throw new LayerVerificationException("image config verification failed for digest " + digest
                    + " of " + ref.familiarName() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UnavailableException("registry " + repository.endpoint().host() + ": reading config " + digest
                    + " of " + ref.familiarName() + " failed: " + e.getMessage(), e);
        }
    }

    private void pullLayers(RegistryRepository repository, ImageReference ref, List<Descriptor> layers,
                            List<Digest> diffIds, List<Digest> chainIds) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (service.store.metadata().hasLayer(chainIds.get(i))) {
                emit(layers.get(i).digest().shortId(), "Already exists");
            } else {
                emit(layers.get(i).digest().shortId(), "Pulling fs layer");
                missing.add(i);
            }
        }
        int concurrency = service.options.maxConcurrentDownloads();
        Semaphore slots = new Semaphore(concurrency);
        for (int n = concurrency; n < missing.size(); n++) {
            emit(layers.get(missing.get(n)).digest().shortId(), "Waiting");
        }
        List<Future<?>> downloads = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i : missing) {
                Digest parent = i == 0 ? null : chainIds.get(i - 1);
                downloads.add(executor.submit(() -> {
                    slots.acquire();
                    try {
                        pullLayer(repository, ref, layers.get(i), diffIds.get(i), chainIds.get(i), parent);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
        }
        for (Future<?> download : downloads) {
            try {
                download.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnavailableException("pull of " + ref.familiarName() + " interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException failure) throw failure;
                throw new UnavailableException("pull of " + ref.familiarName() + " failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private void pullLayer(RegistryRepository repository, ImageReference ref, Descriptor layer, Digest diffId,
                           Digest chainId, Digest parent) {
        String shortId = layer.digest().shortId();
        ReentrantLock lock = service.layerLock(chainId);
        lock.lock();
        try {
            if (service.store.metadata().hasLayer(chainId)) {
                emit(shortId, "Already exists");
                return;
            }
            downloadAndUnpack(repository, ref, layer, diffId, chainId, parent);
            emit(shortId, "Pull complete");
        } finally {
            lock.unlock();
        }
    }

    private LayerUnpack.Result downloadAndUnpack(RegistryRepository repository, ImageReference ref, Descriptor layer,
                                                 Digest diffId, Digest chainId, Digest parent) {
        String shortId = layer.digest().shortId();
        LayerStore layers = service.store.layers();
        Path tempLayer = null;
        Path tempBlob = null;
        boolean haveBlob = service.store.blobs().contains(layer.digest());
        try {
            tempLayer = layers.newTempLayer();
            LayerUnpack.Result result;
            MediaTypes.LayerCompression compression = MediaTypes.layerCompression(layer.mediaType());
            if (haveBlob) {
                // A blob left by an interrupted pull: already verified, unpack it locally.
                long total = Files.size(service.store.blobs().path(layer.digest()));
                try (InputStream in = Files.newInputStream(service.store.blobs().path(layer.digest()))) {
                    result = LayerUnpack.run(in, compression, null, layer.digest(), layer.size(), diffId,
                            LayerStore.tempDiff(tempLayer), count -> emit(new PullProgress(shortId, "Extracting", count, total)),
                            count -> {}, service.options.limits());
                }
                emit(new PullProgress(shortId, "Extracting", total, total));
            } else {
                tempBlob = service.store.blobs().newTempFile();
                BlobStream blob = repository.openBlob(layer.digest());
                long total = layer.size() > 0 ? layer.size() : blob.length();
                try (InputStream in = blob.body(); OutputStream out = Files.newOutputStream(tempBlob)) {
                    // One pass downloads and extracts: both progress lines advance together (extracted bytes are uncompressed).
                    result = LayerUnpack.run(in, compression, out, layer.digest(), layer.size(), diffId,
                            LayerStore.tempDiff(tempLayer), count -> emit(new PullProgress(shortId, "Downloading", count, total)),
                            count -> emit(new PullProgress(shortId, "Extracting", count, null)), service.options.limits());
                }
                // Reached only once both digests matched at end of stream.
                emit(shortId, "Verifying Checksum");
                emit(shortId, "Download complete");
                emit(new PullProgress(shortId, "Extracting", result.unpackedSize(), result.unpackedSize()));
                service.store.blobs().commit(tempBlob, layer.digest());
                tempBlob = null;
            }
            service.registerLayer(chainId, result.diffId(), parent, result.unpackedSize(), tempLayer);
            tempLayer = null;
            return result;
        } catch (DigestMismatchException e) {
            throw new LayerVerificationException("filesystem layer verification failed for digest " + layer.digest()
                    + " of image " + ref.familiarName() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new LayerVerificationException("failed to register layer " + layer.digest() + " of image "
                    + ref.familiarName() + ": " + e.getMessage(), e);
        } finally {
            ImageService.deleteQuietly(tempBlob, tempLayer);
        }
    }

    private void emit(String id, String status) {
        emit(PullProgress.of(id, status));
    }

    private synchronized void emit(PullProgress event) {
        progress.accept(event);
    }
}
