package io.berth.image;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.image.layer.LayerUnpack;
import io.berth.image.layer.Trees;
import io.berth.image.store.LayerStore;
import io.berth.image.registry.RegistryClient;
import io.berth.image.store.MetadataStore;
import io.berth.image.store.MetadataStore.ImageLayer;
import io.berth.image.store.MetadataStore.ImageRecord;
import io.berth.image.store.MetadataStore.LayerRecord;
import io.berth.image.store.Store;
import io.berth.image.store.StoreException;
import io.berth.oci.Digest;
import io.berth.oci.image.ImageConfig;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.reference.ImageReference;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The engine's image store: pull from registries, import root filesystems, resolve names, tag,
 * remove, push; and the unpacked layer directories a container's overlay is built from.
 */
public final class ImageService implements AutoCloseable {
    static final String OS = "linux";
    static final String ARCHITECTURE = "amd64";
    private static final Pattern HEX_PREFIX = Pattern.compile("[a-f0-9]{1,64}");

    final Store store;
    final RegistryClient registry;
    /**
     * Pulls and imports hold the read side while they add content; removal holds the write side,
     * so garbage collection never sees a layer a pull has unpacked but not yet referenced.
     */
    final ReadWriteLock contentLock = new ReentrantReadWriteLock();
    /** One unpack per layer at a time, even across concurrent pulls of images sharing it. */
    private final ConcurrentHashMap<Digest, ReentrantLock> layerLocks = new ConcurrentHashMap<>();

    public ImageService(Path root, RegistryHosts hosts) {
        try {
            this.store = new Store(root);
        } catch (IOException e) {
            throw new StoreException("cannot open image store " + root, e);
        }
        this.registry = new RegistryClient(hosts);
    }

    public Image pull(ImageReference ref, Consumer<PullProgress> progress) {
        contentLock.readLock().lock();
        try {
            return new Puller(this, progress).pull(ref);
        } finally {
            contentLock.readLock().unlock();
        }
    }

    public void push(ImageReference ref, Consumer<PullProgress> progress) {
        Image image = resolve(ref.toString());
        new Pusher(this, progress).push(image, ref);
    }

    /**
     * docker import: the tar (plain or gzip, detected by magic) becomes the single layer of a new
     * linux/amd64 image with an empty Cmd.
     */
    public Image importRootfs(InputStream tar, Optional<ImageReference> tag, String message) {
        tag.ifPresent(ImageService::requireTag);
        contentLock.readLock().lock();
        Path tempBlob = null;
        Path tempLayer = null;
        try {
            BufferedInputStream source = new BufferedInputStream(tar, 65536);
            source.mark(2);
            boolean gzip = source.read() == 0x1f && source.read() == 0x8b;
            source.reset();
            tempBlob = store.blobs().newTempFile();
            tempLayer = store.layers().newTempLayer();
            LayerUnpack.Result unpacked;
            try (OutputStream blobOut = Files.newOutputStream(tempBlob)) {
                unpacked = LayerUnpack.run(source, gzip ? MediaTypes.LayerCompression.GZIP : MediaTypes.LayerCompression.NONE,
                        blobOut, null, -1, null, LayerStore.tempDiff(tempLayer), count -> {});
            } catch (IOException e) {
                throw new InvalidArgumentException("cannot import root filesystem: " + e.getMessage(), e);
            }
            store.blobs().commit(tempBlob, unpacked.blobDigest());
            tempBlob = null;
            Digest chainId = unpacked.diffId();
            registerLayer(chainId, unpacked.diffId(), null, unpacked.unpackedSize(), tempLayer);
            tempLayer = null;

            String created = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
            String comment = message == null || message.isBlank() ? "Imported from -" : message;
            ImageConfig config = new ImageConfig(created, null, ARCHITECTURE, OS, null,
                    new ImageConfig.ContainerConfig(null, null, null, null, null, null, null, null, null),
                    ImageConfig.RootFs.layers(List.of(unpacked.diffId())),
                    List.of(new ImageConfig.History(created, null, null, comment, null)));
            Digest id = store.blobs().write(OciJson.write(config));
            String mediaType = gzip ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.DOCKER_LAYER;
            store.metadata().saveImage(new ImageRecord(id, null, null, unpacked.unpackedSize()),
                    List.of(new ImageLayer(0, chainId, unpacked.blobDigest(), mediaType, unpacked.blobSize())),
                    tag.map(ImageReference::toString), Optional.empty());
            return image(id);
        } catch (IOException e) {
            throw new StoreException("importing root filesystem", e);
        } finally {
            deleteQuietly(tempBlob, tempLayer);
            contentLock.readLock().unlock();
        }
    }

    /**
     * Moves a fully unpacked temp layer into place and registers it, unless the same chain id was
     * registered meanwhile (then the temp copy is discarded).
     */
    void registerLayer(Digest chainId, Digest diffId, Digest parent, long size, Path tempLayer) throws IOException {
        ReentrantLock lock = layerLock(chainId);
        lock.lock();
        try {
            if (store.metadata().hasLayer(chainId)) {
                Trees.delete(tempLayer);
                return;
            }
            store.layers().commit(tempLayer, chainId);
            store.metadata().insertLayer(new LayerRecord(chainId, diffId, parent, size));
        } finally {
            lock.unlock();
        }
    }

    ReentrantLock layerLock(Digest chainId) {
        return layerLocks.computeIfAbsent(chainId, k -> new ReentrantLock());
    }

    static void deleteQuietly(Path... paths) {
        for (Path path : paths) {
            if (path == null) continue;
            try {
                Trees.delete(path);
            } catch (IOException ignored) {
                // tmp/ is emptied at the next start anyway
            }
        }
    }

    static void requireTag(ImageReference ref) {
        if (ref.digest() != null) throw new InvalidArgumentException("refusing to create a tag with a digest reference: " + ref.familiarName());
        if (ref.tag() == null) throw new InvalidArgumentException("reference has no tag: " + ref.familiarName());
    }

    /** Finds an image by reference, full id (with or without "sha256:") or unambiguous id prefix. */
    public Image resolve(String nameOrId) {
        return image(resolveId(nameOrId).id());
    }

    private record Resolved(Digest id, ImageReference byReference) {}

    private Resolved resolveId(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) throw new InvalidArgumentException("image name must not be empty");
        String text = nameOrId.trim();
        String hex = text.startsWith(Digest.SHA256 + ":") ? text.substring(7) : text;
        if (hex.length() == 64 && HEX_PREFIX.matcher(hex).matches()) {
            Digest id = Digest.ofHex(hex);
            if (store.metadata().image(id).isPresent()) return new Resolved(id, null);
            throw new NotFoundException("No such image: " + text);
        }
        ImageReference ref = null;
        if (!text.startsWith(Digest.SHA256 + ":")) {
            try {
                ref = ImageReference.parse(text);
            } catch (InvalidArgumentException notAReference) {
                // may still be an id prefix
            }
        }
        if (ref != null) {
            Optional<Digest> byName = ref.digest() != null
                    ? store.metadata().repoDigestTarget(ref.name() + "@" + ref.digest())
                    : store.metadata().tagTarget(ref.toString());
            if (byName.isPresent()) return new Resolved(byName.get(), ref);
        }
        if (HEX_PREFIX.matcher(hex).matches()) {
            List<Digest> matches = store.metadata().imageIdsWithPrefix(hex);
            if (matches.size() == 1) return new Resolved(matches.getFirst(), null);
            if (matches.size() > 1) {
                throw new InvalidArgumentException("multiple IDs found with provided prefix: " + text);
            }
        }
        throw new NotFoundException("No such image: " + (ref != null ? ref.familiarName() : text));
    }

    /** All images, newest first (as docker images lists them). */
    public List<Image> list() {
        return store.metadata().imageIds().stream().map(this::image)
                .sorted(Comparator.comparing(Image::created).reversed()).toList();
    }

    /** Unpacked layer directories of an image, bottom layer first. */
    public List<Path> layerDirs(Image image) {
        return store.metadata().imageLayers(image.id()).stream()
                .map(layer -> store.layers().diffDir(layer.chainId())).toList();
    }

    public void tag(Image image, ImageReference ref) {
        requireTag(ref);
        if (store.metadata().image(image.id()).isEmpty()) throw new NotFoundException("No such image: " + image.id());
        store.metadata().setTag(ref.toString(), image.id());
    }

    /**
     * docker rmi: a tag or digest reference is untagged, and the image is deleted once nothing names
     * it; an id deletes the image (refusing without force when tags in several repositories name it).
     */
    public List<String> remove(String nameOrId, boolean force) {
        contentLock.writeLock().lock();
        try {
            Resolved resolved = resolveId(nameOrId);
            Digest id = resolved.id();
            MetadataStore metadata = store.metadata();
            List<String> lines = new ArrayList<>();
            if (resolved.byReference() != null) {
                ImageReference ref = resolved.byReference();
                if (ref.digest() != null) metadata.removeRepoDigest(ref.name() + "@" + ref.digest());
                else metadata.removeTag(ref.toString());
                lines.add("Untagged: " + ref.familiarName());
                if (!metadata.tagsOf(id).isEmpty()) return lines;
                // Digests of the same repository alone do not keep an image whose last tag went, as in docker.
            } else {
                Set<String> repositories = new LinkedHashSet<>();
                metadata.tagsOf(id).forEach(tag -> repositories.add(ImageReference.parse(tag).name()));
                if (repositories.size() > 1 && !force) {
                    throw new ConflictException("conflict: unable to delete " + id.shortId()
                            + " (must be forced) - image is referenced in multiple repositories");
                }
                for (String tag : metadata.tagsOf(id)) lines.add("Untagged: " + ImageReference.parse(tag).familiarName());
            }
            for (String digest : metadata.repoDigestsOf(id)) lines.add("Untagged: " + ImageReference.parse(digest).familiarName());
            lines.addAll(deleteImage(id));
            return lines;
        } finally {
            contentLock.writeLock().unlock();
        }
    }

    private List<String> deleteImage(Digest id) {
        MetadataStore.Deletion deletion = store.metadata().deleteImage(id);
        List<String> lines = new ArrayList<>();
        lines.add("Deleted: " + id);
        try {
            for (Digest chainId : deletion.unusedLayers()) {
                store.layers().delete(chainId);
                lines.add("Deleted: " + chainId);
            }
            for (Digest blob : store.blobs().all()) {
                if (!deletion.referencedBlobs().contains(blob)) store.blobs().delete(blob);
            }
        } catch (IOException e) {
            throw new StoreException("image " + id + " removed but its files could not be deleted", e);
        }
        return lines;
    }

    Image image(Digest id) {
        MetadataStore metadata = store.metadata();
        ImageRecord record = metadata.image(id).orElseThrow(() -> new NotFoundException("No such image: " + id));
        ImageConfig config;
        try {
            config = OciJson.read(store.blobs().read(id), ImageConfig.class, "image config " + id);
        } catch (IOException e) {
            throw new StoreException("reading config of image " + id, e);
        }
        List<String> tags = metadata.tagsOf(id).stream().map(t -> ImageReference.parse(t).familiarName()).toList();
        List<String> digests = metadata.repoDigestsOf(id).stream().map(d -> ImageReference.parse(d).familiarName()).toList();
        return new Image(id, config, tags, digests, record.size(), config.createdInstant());
    }

    @Override
    public void close() {
        registry.close();
        store.close();
    }
}
