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
import java.util.function.Function;
import java.util.function.Predicate;
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

    /** A container created from an image, as far as image removal cares: the image store knows no containers. */
    public record ImageUser(String containerId, boolean running) {}

    /** docker rmi for a store without containers: nothing uses any image. */
    public List<String> remove(String nameOrId, boolean force) {
        return remove(nameOrId, force, id -> List.of());
    }

    /**
     * docker rmi with dockerd's rules. A reference (tag or digest) is untagged, with the digests of its
     * repository once no tag of it is left; without force that is refused (409) if it is the image's only
     * reference and a container uses the image. The image itself goes once nothing names it. An id deletes
     * the image with all its references: without force only if at most one tag names it and no container
     * uses it, with force unless a container runs it. A container's image is never deleted from under it:
     * where dockerd would delete a forced image a container still uses, it stays here untagged (dangling)
     * until that container is removed. Returns docker's "Untagged: ..." and "Deleted: ..." lines.
     */
    public List<String> remove(String nameOrId, boolean force, Function<Digest, List<ImageUser>> users) {
        contentLock.writeLock().lock();
        try {
            Resolved resolved = resolveId(nameOrId);
            Digest id = resolved.id();
            MetadataStore metadata = store.metadata();
            List<ImageUser> usedBy = users.apply(id);
            boolean hasChildren = !metadata.childrenOf(id).isEmpty();
            Optional<ImageUser> running = usedBy.stream().filter(ImageUser::running).findFirst();
            Optional<ImageUser> stopped = usedBy.stream().filter(u -> !u.running()).findFirst();
            List<String> lines = new ArrayList<>();
            if (resolved.byReference() != null) {
                ImageReference ref = resolved.byReference();
                if (!force && isSingleReference(metadata, id) && !usedBy.isEmpty()) {
                    throw new ConflictException("conflict: unable to remove repository reference \"" + nameOrId
                            + "\" (must force) - container " + shortId(usedBy.getFirst().containerId())
                            + " is using its referenced image " + id.shortId());
                }
                if (ref.digest() != null) {
                    metadata.removeRepoDigest(ref.name() + "@" + ref.digest());
                } else {
                    metadata.removeTag(ref.toString());
                }
                lines.add("Untagged: " + ref.familiarName());
                boolean repositoryStillTagged = metadata.tagsOf(id).stream().anyMatch(t -> ImageReference.parse(t).name().equals(ref.name()));
                if (ref.digest() == null && !repositoryStillTagged) {
                    for (String digest : metadata.repoDigestsOf(id)) {
                        if (!ImageReference.parse(digest).name().equals(ref.name())) continue;
                        metadata.removeRepoDigest(digest);
                        lines.add("Untagged: " + ImageReference.parse(digest).familiarName());
                    }
                }
                // Still named, a container's, or the parent of another image: it stays (untagged), as in dockerd.
                if (!references(metadata, id).isEmpty() || !usedBy.isEmpty() || hasChildren) return lines;
            } else {
                if (isSingleReference(metadata, id)) {
                    refuseHardConflicts(id, hasChildren, running);
                    if (!force) stopped.ifPresent(user -> { throw inUse(id, user); });
                    lines.addAll(untagAll(metadata, id));
                }
                refuseHardConflicts(id, hasChildren, running);
                if (!force && !references(metadata, id).isEmpty()) {
                    throw new ConflictException("conflict: unable to delete " + id.shortId()
                            + " (must be forced) - image is referenced in multiple repositories");
                }
                if (!force) stopped.ifPresent(user -> { throw inUse(id, user); });
                lines.addAll(untagAll(metadata, id));
                if (!usedBy.isEmpty()) return lines;
            }
            Optional<Digest> parent = metadata.parentOf(id);
            lines.addAll(deleteImage(id));
            lines.addAll(deleteUnusedParents(parent, users));
            return lines;
        } finally {
            contentLock.writeLock().unlock();
        }
    }

    /** What even force does not override: images made from this one, or a container running it. */
    private static void refuseHardConflicts(Digest id, boolean hasChildren, Optional<ImageUser> running) {
        if (hasChildren) {
            throw new ConflictException("conflict: unable to delete " + id.shortId() + " (cannot be forced) - image has dependent child images");
        }
        running.ifPresent(user -> { throw inUse(id, user); });
    }

    /**
     * dockerd's quiet pruning after a deletion: the parent goes too, and its parent, as long as nothing
     * names it, no container uses it and no other image was made from it.
     */
    private List<String> deleteUnusedParents(Optional<Digest> parent, Function<Digest, List<ImageUser>> users) {
        MetadataStore metadata = store.metadata();
        List<String> lines = new ArrayList<>();
        Optional<Digest> next = parent;
        while (next.isPresent()) {
            Digest id = next.get();
            if (metadata.image(id).isEmpty() || !references(metadata, id).isEmpty() || !metadata.childrenOf(id).isEmpty()
                    || !users.apply(id).isEmpty()) {
                break;
            }
            next = metadata.parentOf(id);
            lines.addAll(deleteImage(id));
        }
        return lines;
    }

    /** The image {@code image} was committed from (docker inspect's Parent), if it was. */
    public Optional<Digest> parentOf(Image image) {
        return store.metadata().parentOf(image.id());
    }

    /** Images other images were made from: docker images hides them while they are untagged, unless -a. */
    public Set<Digest> parentIds() {
        return store.metadata().parentIds();
    }

    private static String shortId(String containerId) {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }

    private static ConflictException inUse(Digest id, ImageUser user) {
        return new ConflictException("conflict: unable to delete " + id.shortId() + " (" + (user.running() ? "cannot" : "must")
                + " be forced) - image is being used by " + (user.running() ? "running" : "stopped") + " container "
                + shortId(user.containerId()));
    }

    /** Tags and digests naming an image, sorted like dockerd's reference store (by full name). */
    private static List<String> references(MetadataStore metadata, Digest id) {
        List<String> all = new ArrayList<>(metadata.tagsOf(id));
        all.addAll(metadata.repoDigestsOf(id));
        all.sort(null);
        return all;
    }

    /** dockerd's isSingleReference: at least one reference, all in one repository, at most one of them a tag. */
    private static boolean isSingleReference(MetadataStore metadata, Digest id) {
        List<String> tags = metadata.tagsOf(id);
        if (tags.size() > 1) return false;
        Set<String> repositories = new LinkedHashSet<>();
        tags.forEach(tag -> repositories.add(ImageReference.parse(tag).name()));
        metadata.repoDigestsOf(id).forEach(digest -> repositories.add(ImageReference.parse(digest).name()));
        return repositories.size() == 1;
    }

    private static List<String> untagAll(MetadataStore metadata, Digest id) {
        List<String> lines = new ArrayList<>();
        for (String name : references(metadata, id)) {
            if (name.contains("@")) metadata.removeRepoDigest(name);
            else metadata.removeTag(name);
            lines.add("Untagged: " + ImageReference.parse(name).familiarName());
        }
        return lines;
    }

    /**
     * docker commit: {@code upperDir} (a container's overlay upper directory, read while the
     * container is paused or stopped) becomes one more layer on {@code parent} (null: a base image),
     * overlay whiteouts and opaque directories turned back into ".wh." entries.
     */
    public Image commit(Path upperDir, Image parent, CommitOptions commitOptions) {
        return commit(upperDir, parent, commitOptions, path -> false);
    }

    /**
     * docker commit leaving out the paths {@code excluded} accepts ("/etc/hostname": mount points the
     * runtime made in the upper dir) and the directories that held nothing else.
     */
    public Image commit(Path upperDir, Image parent, CommitOptions commitOptions, Predicate<String> excluded) {
        contentLock.readLock().lock();
        try {
            return new Committer(this).commit(upperDir, parent, commitOptions, excluded);
        } finally {
            contentLock.readLock().unlock();
        }
    }

    /**
     * docker diff: what {@code upperDir} changes in {@code parent}'s filesystem (A/C/D entries, in path
     * order), without the paths {@code excluded} accepts and directories that held only those.
     */
    public List<UpperDir.Change> diff(Path upperDir, Image parent, Predicate<String> excluded) {
        try {
            return UpperDir.changes(upperDir, parent == null ? List.of() : layerDirs(parent), excluded);
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
            // A parent can go only after the images made from it, so passes repeat until one deletes nothing.
            boolean deletedAny = true;
            while (deletedAny) {
                deletedAny = false;
                for (Digest id : metadata.imageIds()) {
                    if (inUse.contains(id) || !metadata.childrenOf(id).isEmpty()) continue;
                    if (!all && !metadata.tagsOf(id).isEmpty()) continue;
                    reclaimed += pruneImage(id, lines);
                    deletedAny = true;
                }
            }
            collectGarbageLocked();
            return new PruneResult(lines, reclaimed);
        } finally {
            contentLock.writeLock().unlock();
        }
    }

    /** Deletes one image with its names and freed layers for prune, adding docker's lines; returns the layer bytes freed. */
    private long pruneImage(Digest id, List<String> lines) {
        MetadataStore metadata = store.metadata();
        for (String tag : metadata.tagsOf(id)) lines.add("Untagged: " + ImageReference.parse(tag).familiarName());
        for (String digest : metadata.repoDigestsOf(id)) lines.add("Untagged: " + ImageReference.parse(digest).familiarName());
        Map<Digest, Long> sizes = new HashMap<>();
        for (ImageLayer layer : metadata.imageLayers(id)) {
            metadata.layer(layer.chainId()).ifPresent(l -> sizes.put(l.chainId(), l.size()));
        }
        MetadataStore.Deletion deletion = metadata.deleteImage(id);
        lines.add("Deleted: " + id);
        long freed = 0;
        try {
            for (Digest chainId : deletion.unusedLayers()) {
                store.layers().delete(chainId);
                freed += sizes.getOrDefault(chainId, 0L);
                lines.add("Deleted: " + chainId);
            }
        } catch (IOException e) {
            throw new StoreException("image " + id + " pruned but its layers could not be deleted", e);
        }
        return freed;
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

    /**
     * docker system df's SharedSize per image id: the bytes of the image's layers that some other image
     * stacks too (a layer is identified by its chain id, so a shared base counts, an equal layer on a
     * different base does not).
     */
    public Map<Digest, Long> sharedSizes() {
        MetadataStore metadata = store.metadata();
        Map<Digest, List<Digest>> stacks = new HashMap<>();
        Map<Digest, Integer> users = new HashMap<>();
        for (Digest id : metadata.imageIds()) {
            List<Digest> chainIds = metadata.imageLayers(id).stream().map(ImageLayer::chainId).distinct().toList();
            stacks.put(id, chainIds);
            chainIds.forEach(chainId -> users.merge(chainId, 1, Integer::sum));
        }
        Map<Digest, Long> layerSizes = new HashMap<>();
        Map<Digest, Long> shared = new HashMap<>();
        stacks.forEach((id, chainIds) -> shared.put(id, chainIds.stream().filter(chainId -> users.get(chainId) > 1)
                .mapToLong(chainId -> layerSizes.computeIfAbsent(chainId, this::layerSize)).sum()));
        return shared;
    }

    /** docker system df's LayersSize: the unpacked bytes of every layer the store holds, each counted once. */
    public long layersSize() {
        return store.metadata().layerIds().stream().mapToLong(this::layerSize).sum();
    }

    private long layerSize(Digest chainId) {
        return store.metadata().layer(chainId).map(LayerRecord::size).orElse(0L);
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
        List<Digest> stackTopFirst = store.metadata().imageLayers(id).reversed().stream().map(ImageLayer::chainId).toList();
        MetadataStore.Deletion deletion = store.metadata().deleteImage(id);
        List<String> lines = new ArrayList<>();
        lines.add("Deleted: " + id);
        try {
            // As dockerd lists them: the freed layers from the top of the image's stack down.
            List<Digest> freed = deletion.unusedLayers().stream()
                    .sorted(Comparator.comparingInt(chainId -> stackTopFirst.indexOf(chainId))).toList();
            for (Digest chainId : freed) {
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
