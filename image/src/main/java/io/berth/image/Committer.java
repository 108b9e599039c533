package io.berth.image;

import io.berth.image.layer.LayerUnpack;
import io.berth.image.layer.UpperDir;
import io.berth.image.store.LayerStore;
import io.berth.image.store.MetadataStore.ImageLayer;
import io.berth.image.store.MetadataStore.ImageRecord;
import io.berth.image.store.StoreException;
import io.berth.oci.Digest;
import io.berth.oci.image.ImageConfig;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.reference.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * docker commit's image half: the upper dir becomes one gzip layer blob (hashed while it is written:
 * diff id of the tar, digest of the gzip), which is then unpacked into the layer store like a pulled
 * one and stacked on the parent's layers under a new config.
 */
final class Committer {
    private final ImageService service;

    Committer(ImageService service) {
        this.service = service;
    }

    Image commit(Path upperDir, Image parent, CommitOptions options, Predicate<String> excluded) {
        options.tag().ifPresent(ImageService::requireTag);
        Path tempBlob = null;
        Path tempLayer = null;
        try {
            tempBlob = service.store.blobs().newTempFile();
            MessageDigest diffHash = MessageDigest.getInstance("SHA-256");
            MessageDigest blobHash = MessageDigest.getInstance("SHA-256");
            try (OutputStream file = Files.newOutputStream(tempBlob);
                 DigestOutputStream blobOut = new DigestOutputStream(new java.io.BufferedOutputStream(file, 1 << 16), blobHash);
                 GZIPOutputStream gzip = new GZIPOutputStream(blobOut, 1 << 16);
                 DigestOutputStream tarOut = new DigestOutputStream(gzip, diffHash)) {
                UpperDir.writeTar(upperDir, tarOut, excluded);
            }
            Digest diffId = Digest.ofHex(HexFormat.of().formatHex(diffHash.digest()));
            Digest blobDigest = Digest.ofHex(HexFormat.of().formatHex(blobHash.digest()));
            long blobSize = Files.size(tempBlob);

            List<ImageLayer> parentLayers = parent == null ? List.of() : service.store.metadata().imageLayers(parent.id());
            List<Digest> diffIds = new ArrayList<>(parent == null ? List.of() : parent.config().diffIds());
            diffIds.add(diffId);
            List<Digest> chainIds = ChainIds.of(diffIds);
            Digest chainId = chainIds.getLast();
            Digest parentChain = parentLayers.isEmpty() ? null : parentLayers.getLast().chainId();

            tempLayer = service.store.layers().newTempLayer();
            LayerUnpack.Result unpacked;
            try (InputStream in = Files.newInputStream(tempBlob)) {
                unpacked = LayerUnpack.run(in, MediaTypes.LayerCompression.GZIP, null, blobDigest, blobSize, diffId,
                        LayerStore.tempDiff(tempLayer), count -> {}, service.options.limits());
            }
            service.store.blobs().commit(tempBlob, blobDigest);
            tempBlob = null;
            service.registerLayer(chainId, diffId, parentChain, unpacked.unpackedSize(), tempLayer);
            tempLayer = null;

            String created = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
            ImageConfig base = parent == null ? null : parent.config();
            List<ImageConfig.History> history = new ArrayList<>(base == null || base.history() == null ? List.of() : base.history());
            history.add(new ImageConfig.History(created, options.createdBy(), options.author(), options.comment(), null));
            ImageConfig config = new ImageConfig(created, options.author(),
                    base != null && base.architecture() != null ? base.architecture() : ImageService.ARCHITECTURE,
                    base != null && base.os() != null ? base.os() : ImageService.OS,
                    base == null ? null : base.variant(),
                    options.config() != null ? options.config() : base == null ? null : base.config(),
                    ImageConfig.RootFs.layers(diffIds), history);
            Digest id = service.store.blobs().write(OciJson.write(config));

            List<ImageLayer> layers = new ArrayList<>(parentLayers);
            layers.add(new ImageLayer(layers.size(), chainId, blobDigest, MediaTypes.DOCKER_LAYER_GZIP, blobSize));
            long size = (parent == null ? 0 : parent.size()) + unpacked.unpackedSize();
            service.store.metadata().saveImage(new ImageRecord(id, null, null, size), layers,
                    options.tag().map(ImageReference::toString), Optional.empty(), Optional.ofNullable(parent).map(Image::id));
            return service.image(id);
        } catch (IOException e) {
            throw new StoreException("committing " + upperDir + (parent == null ? "" : " on " + parent.id()), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            ImageService.deleteQuietly(tempBlob, tempLayer);
        }
    }
}
