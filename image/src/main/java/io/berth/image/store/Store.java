package io.berth.image.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The on-disk image store under one root: blobs/, layers/, tmp/ and metadata.db. Opening it
 * removes leftovers of an interrupted pull (tmp/ contents, layer directories never registered),
 * so every crash point leaves a consistent store.
 */
public final class Store implements AutoCloseable {
    private final TempArea temp;
    private final BlobStore blobs;
    private final LayerStore layers;
    private final MetadataStore metadata;

    public Store(Path root) throws IOException {
        Files.createDirectories(root);
        this.temp = new TempArea(root);
        temp.clear();
        this.blobs = new BlobStore(root, temp);
        this.layers = new LayerStore(root, temp);
        this.metadata = new MetadataStore(root.resolve("metadata.db"));
        for (var chainId : layers.onDisk()) {
            if (!metadata.hasLayer(chainId)) layers.delete(chainId);
        }
    }

    public BlobStore blobs() { return blobs; }

    public LayerStore layers() { return layers; }

    public MetadataStore metadata() { return metadata; }

    @Override
    public void close() {
        metadata.close();
    }
}
