package io.berth.image;

import io.berth.errdefs.UnavailableException;
import io.berth.image.registry.RegistryRepository;
import io.berth.image.store.MetadataStore.ImageLayer;
import io.berth.image.store.MetadataStore.ImageRecord;
import io.berth.image.store.MetadataStore.RepoDigest;
import io.berth.image.store.StoreException;
import io.berth.oci.Digest;
import io.berth.oci.image.Descriptor;
import io.berth.oci.image.Manifest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.reference.ImageReference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * One push, in docker's steps and words: every layer is "Preparing", then (several at a time) found
 * in the registry ("Layer already exists"), mounted from the repository of the same registry the
 * image was pulled from ("Mounted from library/x"), or uploaded in chunks ("Pushing" with bytes,
 * "Pushed"); then the config, and the manifest is PUT under the tag: the original manifest bytes if
 * the image was pulled (so the digest stays the same), else a new Docker schema 2 (or OCI, for OCI
 * layers) manifest. The last line is "TAG: digest: sha256:... size: N".
 */
final class Pusher {
    /** Progress lines while pushing: one per this many bytes keeps the stream readable. */
    private static final long PROGRESS_STEP = 512 * 1024;

    private final ImageService service;
    private final PushOptions options;
    private final Consumer<PullProgress> progress;

    Pusher(ImageService service, PushOptions options, Consumer<PullProgress> progress) {
        this.service = service;
        this.options = options;
        this.progress = progress;
    }

    void push(Image image, ImageReference ref) {
        ImageService.requireTag(ref);
        RegistryRepository repository = service.registry.open(service.registry.registryEndpoint(ref.registryApiHost()),
                ref.path(), options.auth());
        emit(PullProgress.of(null, "The push refers to repository [" + ref.name() + "]"));
        List<ImageLayer> layers = service.store.metadata().imageLayers(image.id()).reversed();
        Optional<String> mountSource = mountSource(image, ref);
        for (ImageLayer layer : layers) emit(PullProgress.of(layer.blobDigest().shortId(), "Preparing"));
        int concurrency = service.options.maxConcurrentUploads();
        for (int n = concurrency; n < layers.size(); n++) emit(PullProgress.of(layers.get(n).blobDigest().shortId(), "Waiting"));
        Semaphore slots = new Semaphore(concurrency);
        List<Future<?>> uploads = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ImageLayer layer : layers) {
                uploads.add(executor.submit(() -> {
                    slots.acquire();
                    try {
                        pushLayer(repository, layer, mountSource);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
        }
        for (Future<?> upload : uploads) await(upload, ref);
        if (!repository.blobExists(image.id())) {
            repository.uploadBlob(image.id(), read(image.id()));
        }
        putManifest(image, ref, repository, layers.reversed());
    }

    private void pushLayer(RegistryRepository repository, ImageLayer layer, Optional<String> mountSource) {
        Digest digest = layer.blobDigest();
        String id = digest.shortId();
        if (repository.blobExists(digest)) {
            emit(PullProgress.of(id, "Layer already exists"));
            return;
        }
        if (mountSource.isPresent() && repository.mountBlob(digest, mountSource.get())) {
            emit(PullProgress.of(id, "Mounted from " + mountSource.get()));
            return;
        }
        if (!service.store.blobs().contains(digest)) {
            throw new UnavailableException("cannot push layer " + digest + ": its blob is not in the local store");
        }
        emit(new PullProgress(id, "Pushing", 0L, layer.blobSize()));
        long[] reported = {0};
        repository.uploadBlobChunked(digest, service.store.blobs().path(digest), RegistryRepository.DEFAULT_CHUNK_SIZE, sent -> {
            if (sent - reported[0] >= PROGRESS_STEP || sent == layer.blobSize()) {
                reported[0] = sent;
                emit(new PullProgress(id, "Pushing", sent, layer.blobSize()));
            }
        });
        emit(PullProgress.of(id, "Pushed"));
    }

    /** Another repository of the same registry this image was pulled from or pushed to: its blobs can be mounted. */
    private Optional<String> mountSource(Image image, ImageReference target) {
        for (String name : service.store.metadata().repoDigestsOf(image.id())) {
            ImageReference source = ImageReference.parse(name);
            if (source.registryApiHost().equals(target.registryApiHost()) && !source.path().equals(target.path())) {
                return Optional.of(source.path());
            }
        }
        return Optional.empty();
    }

    private void putManifest(Image image, ImageReference ref, RegistryRepository repository, List<ImageLayer> layers) {
        ImageRecord record = service.store.metadata().image(image.id()).orElseThrow();
        String mediaType;
        byte[] manifest;
        if (record.manifestDigest() != null && service.store.blobs().contains(record.manifestDigest())) {
            mediaType = record.manifestMediaType();
            manifest = read(record.manifestDigest());
        } else {
            boolean oci = layers.stream().allMatch(l -> l.blobMediaType().startsWith("application/vnd.oci."));
            mediaType = oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST;
            long configSize = read(image.id()).length;
            Manifest built = new Manifest(2, mediaType,
                    Descriptor.of(oci ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG, image.id(), configSize),
                    layers.stream().map(l -> Descriptor.of(l.blobMediaType(), l.blobDigest(), l.blobSize())).toList(), null);
            manifest = OciJson.write(built);
        }
        Digest digest = repository.putManifest(ref.tag(), mediaType, manifest);
        try {
            service.store.blobs().write(manifest);
        } catch (IOException e) {
            throw new StoreException("storing pushed manifest", e);
        }
        service.store.metadata().saveImage(new ImageRecord(image.id(), digest, mediaType, record.size()), List.of(),
                Optional.empty(), Optional.of(new RepoDigest(ref.name() + "@" + digest, ref.name(), digest)));
        emit(PullProgress.of(null, ref.tag() + ": digest: " + digest + " size: " + manifest.length));
    }

    private static void await(Future<?> upload, ImageReference ref) {
        try {
            upload.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("push of " + ref.familiarName() + " interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) throw failure;
            throw new UnavailableException("push of " + ref.familiarName() + " failed: " + e.getCause(), e.getCause());
        }
    }

    private byte[] read(Digest digest) {
        try {
            return service.store.blobs().read(digest);
        } catch (IOException e) {
            throw new StoreException("reading blob " + digest, e);
        }
    }

    private synchronized void emit(PullProgress event) {
        progress.accept(event);
    }
}
