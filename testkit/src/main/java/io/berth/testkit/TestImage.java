package io.berth.testkit;

import io.berth.image.RegistryHosts;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryRepository;
import io.berth.oci.Digest;
import io.berth.oci.image.Descriptor;
import io.berth.oci.image.ImageConfig;
import io.berth.oci.image.Index;
import io.berth.oci.image.Manifest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;
import io.berth.oci.image.Platform;

import java.util.List;
import java.util.Map;

/**
 * An image built in memory (layers, config, Docker schema 2 manifest) that tests push to a
 * {@link TestRegistry}. {@link #id()} is what an ImageService reports after pulling it.
 */
public final class TestImage {
    private final List<LayerTar.Layer> layers;
    private final byte[] config;
    private final byte[] manifest;

    public TestImage(List<LayerTar> layerTars, ImageConfig.ContainerConfig containerConfig, String architecture) {
        this.layers = layerTars.stream().map(LayerTar::build).toList();
        ImageConfig imageConfig = new ImageConfig("2024-01-01T00:00:00Z", null, architecture, "linux", null, containerConfig,
                ImageConfig.RootFs.layers(layers.stream().map(LayerTar.Layer::diffId).toList()),
                layers.stream().map(l -> new ImageConfig.History("2024-01-01T00:00:00Z", "berth testkit", null, null, null)).toList());
        this.config = OciJson.write(imageConfig);
        this.manifest = OciJson.write(new Manifest(2, MediaTypes.DOCKER_MANIFEST,
                Descriptor.of(MediaTypes.DOCKER_CONFIG, Digest.sha256(config), config.length),
                layers.stream().map(l -> Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, l.digest(), l.blob().length)).toList(),
                null));
    }

    /** A linux/amd64 image with the given layers and a shell default command. */
    public static TestImage of(LayerTar... layerTars) {
        return new TestImage(List.of(layerTars), defaultConfig(List.of("sh")), "amd64");
    }

    static ImageConfig.ContainerConfig defaultConfig(List<String> cmd) {
        return new ImageConfig.ContainerConfig(null, null,
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), null, cmd, null, null, null, null);
    }

    /** The image id: digest of the config. */
    public Digest id() {
        return Digest.sha256(config);
    }

    public byte[] config() { return config.clone(); }

    public byte[] manifest() { return manifest.clone(); }

    public Digest manifestDigest() {
        return Digest.sha256(manifest);
    }

    public List<LayerTar.Layer> layers() { return layers; }

    /** Pushes blobs and manifest as "repository:tag" (e.g. "library/busybox:latest"); returns the manifest digest. */
    public Digest pushTo(TestRegistry registry, String repositoryAndTag) {
        int colon = repositoryAndTag.lastIndexOf(':');
        String repository = repositoryAndTag.substring(0, colon);
        String tag = repositoryAndTag.substring(colon + 1);
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults())) {
            RegistryRepository repo = client.open(client.registryEndpoint(registry.host()), repository);
            uploadContent(repo);
            return repo.putManifest(tag, MediaTypes.DOCKER_MANIFEST, manifest);
        }
    }

    private void uploadContent(RegistryRepository repo) {
        for (LayerTar.Layer layer : layers) {
            if (!repo.blobExists(layer.digest())) repo.uploadBlob(layer.digest(), layer.blob());
        }
        if (!repo.blobExists(id())) repo.uploadBlob(id(), config);
    }

    /**
     * Pushes each image by digest and a Docker manifest list naming them per platform under
     * "repository:tag"; returns the list's digest.
     */
    public static Digest pushIndex(TestRegistry registry, String repositoryAndTag, Map<Platform, TestImage> images) {
        int colon = repositoryAndTag.lastIndexOf(':');
        String repository = repositoryAndTag.substring(0, colon);
        String tag = repositoryAndTag.substring(colon + 1);
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults())) {
            RegistryRepository repo = client.open(client.registryEndpoint(registry.host()), repository);
            List<Descriptor> entries = images.entrySet().stream().map(entry -> {
                TestImage image = entry.getValue();
                image.uploadContent(repo);
                repo.putManifest(image.manifestDigest().toString(), MediaTypes.DOCKER_MANIFEST, image.manifest);
                return new Descriptor(MediaTypes.DOCKER_MANIFEST, image.manifestDigest(), image.manifest.length,
                        null, null, entry.getKey());
            }).toList();
            byte[] index = OciJson.write(new Index(2, MediaTypes.DOCKER_MANIFEST_LIST, entries, null));
            return repo.putManifest(tag, MediaTypes.DOCKER_MANIFEST_LIST, index);
        }
    }
}
