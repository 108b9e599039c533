package io.berth.image;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.image.layer.LayerUnpack;
import io.berth.image.layer.Trees;
import io.berth.image.layer.UnsafeLayerEntryException;
import io.berth.image.layer.UpperDir;
import io.berth.image.registry.Credentials.AuthConfig;
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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
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
    final ImageServiceOptions options;
    /**
     * Pulls and imports hold the read side while they add content; removal holds the write side,
     * so garbage collection never sees a layer a pull has unpacked but not yet referenced.
     */
    final ReadWriteLock contentLock = new ReentrantReadWriteLock();
    /** One unpack per layer at a time, even across concurrent pulls of images sharing it. */
    private final ConcurrentHashMap<Digest, ReentrantLock> layerLocks = new ConcurrentHashMap<>();

    public ImageService(Path root, RegistryHosts hosts) {
        this(root, hosts, ImageServiceOptions.defaults());
    }

    public ImageService(Path root, RegistryHosts hosts, ImageServiceOptions options) {
        try {
            this.store = new Store(root);
        } catch (IOException e) {
            throw new StoreException("cannot open image store " + root, e);
        }
        this.options = options;
        this.registry = new RegistryClient(hosts, Duration.ofSeconds(60), options.certsDir(), options.credentials());
    }

    public Image pull(ImageReference ref, Consumer<PullProgress> progress) {
        return pull(ref, PullOptions.defaults(), progress);
    }

    /** docker pull [--platform] with optional credentials (X-Registry-Auth). */
    public Image pull(ImageReference ref, PullOptions pullOptions, Consumer<PullProgress> progress) {
        contentLock.readLock().lock();
        try {
            return new Puller(this, pullOptions, progress).pull(ref);
        } finally {
            contentLock.readLock().unlock();
        }
    }

    public void push(ImageReference ref, Consumer<PullProgress> progress) {
        push(ref, PushOptions.defaults(), progress);
    }

    /**
     * docker push [--all-tags]: layers not in the registry are mounted from the repository the image
     * came from (same registry) or uploaded in chunks, several at a time, then the manifest is PUT.
     */
    public void push(ImageReference ref, PushOptions pushOptions, Consumer<PullProgress> progress) {
        Pusher pusher = new Pusher(this, pushOptions, progress);
        if (!pushOptions.allTags()) {
            pusher.push(resolve(ref.toString()), ref);
            return;
        }
        List<String> tags = store.metadata().tagsInRepository(ref.name());
        if (tags.isEmpty()) throw new NotFoundException("An image does not exist locally with the tag: " + ref.familiarName().replaceAll(":[^/:]*$", ""));
        for (String tag : tags) {
            ImageReference tagged = ImageReference.parse(tag);
            pusher.push(resolve(tag), tagged);
        }
    }

    /**
     * docker login: verifies the credentials against the registry's /v2/ and stores them in the
     * configured credentials file (nothing is stored when the service has none). Returns docker's "Login Succeeded".
     */
    public String login(String registryHost, AuthConfig auth) {
        registry.login(registryHost, auth);
        return "Login Succeeded";
    }

    /**
     * The Engine API's POST /auth: checks credentials against the registry without storing them
     * (the docker CLI keeps its own config.json). Returns "Login Succeeded".
     */
    public String checkLogin(String registryHost, AuthConfig auth) {
        registry.verifyLogin(registryHost, auth);
        return "Login Succeeded";
    }

    /** docker logout: true if stored credentials were removed. */
    public boolean logout(String registryHost) {
        return registry.logout(registryHost);
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

    /**
     * docker commit: {@code upperDir} (a container's overlay upper directory, read while the
     * container is paused or stopped) becomes one more layer on {@code parent} (null: a base image),
     * overlay whiteouts and opaque directories turned back into ".wh." entries.
     */
    public Image commit(Path upperDir, Image parent, CommitOptions commitOptions) {
        contentLock.readLock().lock();
        try {
            return new Committer(this).commit(upperDir, parent, commitOptions);
        } finally {
            contentLock.readLock().unlock();
        }
    }

    /** docker diff: what {@code upperDir} changes in {@code parent}'s filesystem (A/C/D entries, in path order). */
    public List<UpperDir.Change> diff(Path upperDir, Image parent) {
        try {
            return UpperDir.changes(upperDir, parent == null ? List.of() : layerDirs(parent));
        } catch (IOException e) {
            throw new StoreException("listing changes in " + upperDir, e);
        }
    }

    /**
     * docker save: writes the named images (references or ids) as one tar that is both a
     * docker-archive (manifest.json, repositories) and an OCI image layout (oci-layout, index.json,
     * blobs/sha256/...), layers uncompressed.
     */
    public void save(List<String> names, OutputStream out) {
        contentLock.readLock().lock();
        try {
            new ImageArchives(this).save(names, out);
        } catch (IOException e) {
            throw new StoreException("saving " + String.join(", ", names), e);
        } finally {
            contentLock.readLock().unlock();
        }
    }

    /**
     * docker load: reads a docker-archive or OCI image layout tar, verifies every layer against its
     * image's config, and returns docker's lines ("Loaded image: busybox:latest" or "Loaded image ID: sha256:...").
     */
    public List<String> load(InputStream archive) {
        contentLock.readLock().lock();
        try {
            return new ImageArchives(this).load(archive);
        } catch (UnsafeLayerEntryException e) {
            throw new InvalidArgumentException("invalid archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidArgumentException("loading image archive failed: " + e.getMessage(), e);
        } finally {
            contentLock.readLock().unlock();
        }
    }

    /** What a prune removed: docker's "Untagged:"/"Deleted:" lines and the bytes of unpacked layers freed. */
    public record PruneResult(List<String> deleted, long spaceReclaimed) {}

    /**
     * docker image prune: removes dangling images (no tag), or with {@code all} every image the
     * engine does not list in {@code inUse} (image ids of existing containers), with their tags.
     */
    public PruneResult prune(boolean all, Set<Digest> inUse) {
        contentLock.writeLock().lock();
        try {
            MetadataStore metadata = store.metadata();
            List<String> lines = new ArrayList<>();
            long reclaimed = 0;
            for (Digest id : metadata.imageIds()) {
                if (inUse.contains(id)) continue;
                List<String> tags = metadata.tagsOf(id);
                if (!all && !tags.isEmpty()) continue;
                for (String tag : tags) lines.add("Untagged: " + ImageReference.parse(tag).familiarName());
                for (String digest : metadata.repoDigestsOf(id)) lines.add("Untagged: " + ImageReference.parse(digest).familiarName());
                Map<Digest, Long> sizes = new HashMap<>();
                for (ImageLayer layer : metadata.imageLayers(id)) {
                    metadata.layer(layer.chainId()).ifPresent(l -> sizes.put(l.chainId(), l.size()));
                }
                MetadataStore.Deletion deletion = metadata.deleteImage(id);
                lines.add("Deleted: " + id);
                try {
                    for (Digest chainId : deletion.unusedLayers()) {
                        store.layers().delete(chainId);
                        reclaimed += sizes.getOrDefault(chainId, 0L);
                        lines.add("Deleted: " + chainId);
                    }
                } catch (IOException e) {
                    throw new StoreException("image " + id + " pruned but its layers could not be deleted", e);
                }
            }
            collectGarbageLocked();
            return new PruneResult(lines, reclaimed);
        } finally {
            contentLock.writeLock().unlock();
        }
    }

    /**
     * Deletes every blob no image references (manifests, configs, layer blobs, leftovers of an
     * interrupted pull) and every unpacked layer no image uses. It waits for running pulls and
     * imports (they hold the content lock's read side), so it never takes what they are adding.
     * Returns how many blobs and layers were removed.
     */
    public int collectGarbage() {
        contentLock.writeLock().lock();
        try {
            return collectGarbageLocked();
        } finally {
            contentLock.writeLock().unlock();
        }
    }

    private int collectGarbageLocked() {
        MetadataStore metadata = store.metadata();
        int removed = 0;
        try {
            Set<Digest> referenced = metadata.referencedBlobs();
            for (Digest blob : store.blobs().all()) {
                if (!referenced.contains(blob)) {
                    store.blobs().delete(blob);
                    removed++;
                }
            }
            for (Digest chainId : metadata.unusedLayers()) {
                metadata.deleteLayer(chainId);
                store.layers().delete(chainId);
                removed++;
            }
        } catch (IOException e) {
            throw new StoreException("garbage collection of the image store failed", e);
        }
        return removed;
    }

    /** One line of docker history: the image id on the newest entry, "&lt;missing&gt;" below, as docker shows. */
    public record HistoryEntry(String id, Instant created, String createdBy, long size, String comment, List<String> tags,
                               boolean emptyLayer) {}

    /** docker history: the config's history, newest first, with each non-empty entry's layer size. */
    public List<HistoryEntry> history(String nameOrId) {
        Image image = resolve(nameOrId);
        List<ImageLayer> layers = store.metadata().imageLayers(image.id());
        List<ImageConfig.History> history = image.config().history() == null ? List.of() : image.config().history();
        List<HistoryEntry> entries = new ArrayList<>();
        int layer = 0;
        for (ImageConfig.History step : history) {
            boolean empty = Boolean.TRUE.equals(step.emptyLayer());
            long size = 0;
            if (!empty && layer < layers.size()) {
                size = store.metadata().layer(layers.get(layer++).chainId()).map(MetadataStore.LayerRecord::size).orElse(0L);
            }
            Instant created = new ImageConfig(step.created(), null, null, null, null, null, null, null).createdInstant();
            entries.add(new HistoryEntry("<missing>", created, step.createdBy(), size, step.comment(), List.of(), empty));
        }
        List<HistoryEntry> newestFirst = new ArrayList<>(entries.reversed());
        if (!newestFirst.isEmpty()) {
            HistoryEntry top = newestFirst.getFirst();
            newestFirst.set(0, new HistoryEntry(image.id().toString(), top.created(), top.createdBy(), top.size(), top.comment(),
                    image.repoTags(), top.emptyLayer()));
        }
        return newestFirst;
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
