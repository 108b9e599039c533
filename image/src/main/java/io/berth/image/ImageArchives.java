package io.berth.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.layer.LayerUnpack;
import io.berth.image.layer.TarExtractor;
import io.berth.image.store.LayerStore;
import io.berth.image.store.MetadataStore.ImageLayer;
import io.berth.image.store.MetadataStore.ImageRecord;
import io.berth.image.store.StoreException;
import io.berth.oci.Digest;
import io.berth.oci.DigestingInputStream;
import io.berth.oci.image.Descriptor;
import io.berth.oci.image.ImageConfig;
import io.berth.oci.image.Index;
import io.berth.oci.image.Manifest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.image.Platform;
import io.berth.oci.reference.ImageReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * docker save / docker load. A saved archive is at once a docker-archive (manifest.json +
 * repositories, configs and uncompressed layer tars) and an OCI image layout (oci-layout,
 * index.json, blobs/sha256/...), as docker 25+ writes it: the docker entries point into blobs/.
 * Loading accepts either kind (docker-archive's "&lt;id&gt;/layer.tar" paths too, layers plain,
 * gzip or zstd). The archive is first unpacked with the layer extractor (so a hostile archive
 * cannot write outside its temp dir), then every layer is verified against the config's diff ids.
 */
final class ImageArchives {
    private static final String BLOBS = "blobs/sha256/";

    private final ImageService service;

    ImageArchives(ImageService service) {
        this.service = service;
    }

    void save(List<String> names, OutputStream out) throws IOException {
        Map<Digest, List<String>> tagsById = new LinkedHashMap<>();
        for (String name : names) {
            Image image = service.resolve(name);
            List<String> tags = tagsById.computeIfAbsent(image.id(), k -> new ArrayList<>());
            if (!name.startsWith(Digest.SHA256 + ":") && !image.id().hex().startsWith(name)) {
                ImageReference ref = ImageReference.parse(name);
                if (ref.tag() != null && !tags.contains(ref.familiarName())) tags.add(ref.familiarName());
            }
        }
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Set<Digest> written = new HashSet<>();
        ArrayNode dockerManifest = OciJson.MAPPER.createArrayNode();
        ObjectNode repositories = OciJson.MAPPER.createObjectNode();
        List<Descriptor> indexEntries = new ArrayList<>();
        for (Map.Entry<Digest, List<String>> saved : tagsById.entrySet()) {
            Image image = service.image(saved.getKey());
            byte[] config = service.store.blobs().read(image.id());
            putBlob(tar, image.id(), config, written);
            List<Descriptor> layers = new ArrayList<>();
            ArrayNode layerPaths = OciJson.MAPPER.createArrayNode();
            List<ImageLayer> imageLayers = service.store.metadata().imageLayers(image.id());
            List<Digest> diffIds = image.config().diffIds();
            for (int i = 0; i < imageLayers.size(); i++) {
                Digest diffId = diffIds.get(i);
                long size = putLayer(tar, imageLayers.get(i), diffId, written);
                layers.add(Descriptor.of(MediaTypes.OCI_LAYER, diffId, size));
                layerPaths.add(BLOBS + diffId.hex());
            }
            byte[] manifest = OciJson.write(new Manifest(2, MediaTypes.OCI_MANIFEST,
                    Descriptor.of(MediaTypes.OCI_CONFIG, image.id(), config.length), layers, null));
            Digest manifestDigest = Digest.sha256(manifest);
            putBlob(tar, manifestDigest, manifest, written);
            ObjectNode entry = dockerManifest.addObject();
            entry.put("Config", BLOBS + image.id().hex());
            ArrayNode repoTags = entry.putArray("RepoTags");
            for (String tag : saved.getValue()) {
                repoTags.add(tag);
                ImageReference ref = ImageReference.parse(tag);
                String repo = tag.substring(0, tag.length() - ref.tag().length() - 1);
                (repositories.has(repo) ? (ObjectNode) repositories.get(repo) : repositories.putObject(repo)).put(ref.tag(), image.id().hex());
                indexEntries.add(new Descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length, null,
                        Map.of("io.containerd.image.name", ref.toString(), "org.opencontainers.image.ref.name", ref.tag()), null));
            }
            if (saved.getValue().isEmpty()) indexEntries.add(Descriptor.of(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length));
            entry.set("Layers", layerPaths);
        }
        putFile(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        putFile(tar, "index.json", OciJson.write(new Index(2, MediaTypes.OCI_INDEX, indexEntries, null)));
        putFile(tar, "manifest.json", OciJson.MAPPER.writeValueAsBytes(dockerManifest));
        if (!repositories.isEmpty()) putFile(tar, "repositories", OciJson.MAPPER.writeValueAsBytes(repositories));
        tar.finish();
        tar.flush();
    }

    /** The layer's uncompressed tar as blobs/sha256/&lt;diff id&gt;, decompressed from the stored blob through a temp file. */
    private long putLayer(TarArchiveOutputStream tar, ImageLayer layer, Digest diffId, Set<Digest> written) throws IOException {
        Path temp = service.store.blobs().newTempFile();
        try {
            if (!service.store.blobs().contains(layer.blobDigest())) {
                throw new StoreException("cannot save layer " + diffId + ": its blob " + layer.blobDigest() + " is not in the store", null);
            }
            try (InputStream in = decompressed(new BufferedInputStream(Files.newInputStream(service.store.blobs().path(layer.blobDigest())), 1 << 16));
                 DigestingInputStream verified = new DigestingInputStream(in, diffId, -1)) {
                Files.copy(verified, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                verified.drainAndDigest();
            }
            long size = Files.size(temp);
            if (written.add(diffId)) {
                TarArchiveEntry entry = new TarArchiveEntry(BLOBS + diffId.hex());
                entry.setSize(size);
                tar.putArchiveEntry(entry);
                Files.copy(temp, tar);
                tar.closeArchiveEntry();
            }
            return size;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void putBlob(TarArchiveOutputStream tar, Digest digest, byte[] content, Set<Digest> written) throws IOException {
        if (written.add(digest)) putFile(tar, BLOBS + digest.hex(), content);
    }

    private static void putFile(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** A layer stream decompressed by its magic bytes (gzip, zstd, or plain tar). */
    private static InputStream decompressed(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) return new GZIPInputStream(in, 1 << 16);
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new com.github.luben.zstd.ZstdInputStream(in);
        }
        return in;
    }

    private static MediaTypes.LayerCompression compressionOf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) return MediaTypes.LayerCompression.GZIP;
            if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5) return MediaTypes.LayerCompression.ZSTD;
            return MediaTypes.LayerCompression.NONE;
        }
    }

    /** One image found in an archive: its config file, layer files (bottom first) and the names it carries. */
    private record Found(Path config, List<Path> layers, List<String> tags) {}

    List<String> load(InputStream archive) throws IOException {
        Path unpacked = service.store.layers().newTempLayer();
        try {
            Path dir = LayerStore.tempDiff(unpacked);
            TarExtractor.extract(archive, dir, service.options.limits());
            List<Found> found = Files.exists(dir.resolve("manifest.json")) ? dockerArchive(dir)
                    : Files.exists(dir.resolve("index.json")) ? ociLayout(dir) : null;
            if (found == null) throw new InvalidArgumentException("invalid tar: neither manifest.json nor index.json found in the archive");
            List<String> lines = new ArrayList<>();
            for (Found image : found) lines.addAll(loadImage(image));
            return lines;
        } finally {
            ImageService.deleteQuietly(unpacked);
        }
    }

    private static Path inside(Path dir, String name) {
        Path resolved = dir.resolve(name).normalize();
        if (!resolved.startsWith(dir) || !Files.isRegularFile(resolved, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidArgumentException("invalid archive: " + name + " is not a file in it");
        }
        return resolved;
    }

    private static List<Found> dockerArchive(Path dir) throws IOException {
        JsonNode manifest = OciJson.read(Files.readAllBytes(dir.resolve("manifest.json")), JsonNode.class, "manifest.json");
        List<Found> found = new ArrayList<>();
        for (JsonNode entry : manifest) {
            List<Path> layers = new ArrayList<>();
            entry.path("Layers").forEach(layer -> layers.add(inside(dir, layer.asText())));
            List<String> tags = new ArrayList<>();
            entry.path("RepoTags").forEach(tag -> tags.add(tag.asText()));
            found.add(new Found(inside(dir, entry.path("Config").asText()), layers, tags));
        }
        return found;
    }

    private static List<Found> ociLayout(Path dir) throws IOException {
        Index index = OciJson.read(Files.readAllBytes(dir.resolve("index.json")), Index.class, "index.json");
        List<Found> found = new ArrayList<>();
        for (Descriptor descriptor : index.manifests() == null ? List.<Descriptor>of() : index.manifests()) {
            Descriptor chosen = descriptor;
            if (MediaTypes.isIndex(descriptor.mediaType())) {
                Index nested = OciJson.read(Files.readAllBytes(inside(dir, BLOBS + descriptor.digest().hex())), Index.class, "nested index");
                chosen = nested.select(Platform.of(ImageService.OS, ImageService.ARCHITECTURE))
                        .orElseThrow(() -> new InvalidArgumentException("no linux/amd64 image in the archive's index"));
            }
            Manifest manifest = OciJson.read(Files.readAllBytes(inside(dir, BLOBS + chosen.digest().hex())), Manifest.class, "manifest");
            List<Path> layers = manifest.layers().stream().map(l -> inside(dir, BLOBS + l.digest().hex())).toList();
            Map<String, String> annotations = descriptor.annotations() == null ? Map.of() : descriptor.annotations();
            String name = annotations.get("io.containerd.image.name");
            List<String> tags = name != null ? List.of(ImageReference.parse(name).familiarName()) : List.of();
            found.add(new Found(inside(dir, BLOBS + manifest.config().digest().hex()), layers, tags));
        }
        return found;
    }

    private List<String> loadImage(Found found) throws IOException {
        byte[] configBytes = Files.readAllBytes(found.config());
        ImageConfig config = OciJson.read(configBytes, ImageConfig.class, "image config in the archive");
        List<Digest> diffIds = config.diffIds();
        if (diffIds.size() != found.layers().size()) {
            throw new InvalidArgumentException("invalid archive: config lists " + diffIds.size() + " layers, manifest " + found.layers().size());
        }
        List<Digest> chainIds = ChainIds.of(diffIds);
        List<ImageLayer> layers = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < diffIds.size(); i++) {
            Path file = found.layers().get(i);
            MediaTypes.LayerCompression compression = compressionOf(file);
            Digest chainId = chainIds.get(i);
            Path tempBlob = service.store.blobs().newTempFile();
            Path tempLayer = service.store.layers().newTempLayer();
            try {
                LayerUnpack.Result result;
                try (InputStream in = Files.newInputStream(file); OutputStream blob = Files.newOutputStream(tempBlob)) {
                    result = LayerUnpack.run(in, compression, blob, null, -1, diffIds.get(i), LayerStore.tempDiff(tempLayer),
                            count -> {}, service.options.limits());
                } catch (io.berth.oci.DigestMismatchException e) {
                    throw new InvalidArgumentException("invalid archive: layer " + (i + 1) + " does not match diff id " + diffIds.get(i), e);
                }
                service.store.blobs().commit(tempBlob, result.blobDigest());
                tempBlob = null;
                service.registerLayer(chainId, diffIds.get(i), i == 0 ? null : chainIds.get(i - 1), result.unpackedSize(), tempLayer);
                tempLayer = null;
                String mediaType = switch (compression) {
                    case GZIP -> MediaTypes.DOCKER_LAYER_GZIP;
                    case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
                    case NONE -> MediaTypes.DOCKER_LAYER;
                };
                layers.add(new ImageLayer(i, chainId, result.blobDigest(), mediaType, result.blobSize()));
                size += service.store.metadata().layer(chainId).orElseThrow().size();
            } finally {
                ImageService.deleteQuietly(tempBlob, tempLayer);
            }
        }
        Digest id = service.store.blobs().write(configBytes);
        List<String> tags = found.tags().stream().map(t -> ImageReference.parse(t).toString()).toList();
        service.store.metadata().saveImage(new ImageRecord(id, null, null, size), layers,
                tags.isEmpty() ? Optional.empty() : Optional.of(tags.getFirst()), Optional.empty());
        for (String tag : tags) service.store.metadata().setTag(tag, id);
        if (found.tags().isEmpty()) return List.of("Loaded image ID: " + id);
        return found.tags().stream().map(t -> "Loaded image: " + ImageReference.parse(t).familiarName()).toList();
    }
}
