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
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One push: each layer blob and the config are uploaded unless the registry has them (HEAD), then the
 * manifest is PUT under the tag: the original manifest bytes if the image was pulled, else a new
 * Docker schema 2 (or OCI, for OCI layers) manifest.
 */
final class Pusher {
    private final ImageService service;
    private final Consumer<PullProgress> progress;

    Pusher(ImageService service, Consumer<PullProgress> progress) {
        this.service = service;
        this.progress = progress;
    }

    void push(Image image, ImageReference ref) {
        ImageService.requireTag(ref);
        RegistryRepository repository = service.registry.open(service.registry.registryEndpoint(ref.registryApiHost()), ref.path());
        progress.accept(PullProgress.of(null, "The push refers to repository [" + ref.name() + "]"));
        List<ImageLayer> layers = service.store.metadata().imageLayers(image.id());
        for (ImageLayer layer : layers.reversed()) {
            uploadIfMissing(repository, layer.blobDigest(), true);
        }
        uploadIfMissing(repository, image.id(), false);
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
        progress.accept(PullProgress.of(null, ref.tag() + ": digest: " + digest + " size: " + manifest.length));
    }

    private void uploadIfMissing(RegistryRepository repository, Digest digest, boolean isLayer) {
        String id = digest.shortId();
        if (repository.blobExists(digest)) {
            if (isLayer) progress.accept(PullProgress.of(id, "Layer already exists"));
            return;
        }
        if (isLayer) progress.accept(PullProgress.of(id, "Pushing"));
        if (!service.store.blobs().contains(digest)) {
            throw new UnavailableException("cannot push: blob " + digest + " is not in the local store");
        }
        repository.uploadBlob(digest, service.store.blobs().path(digest));
        if (isLayer) progress.accept(PullProgress.of(id, "Pushed"));
    }

    private byte[] read(Digest digest) {
        try {
            return service.store.blobs().read(digest);
        } catch (IOException e) {
            throw new StoreException("reading blob " + digest, e);
        }
    }
}
