package io.berth.engine;

import io.berth.image.ImageServiceOptions;
import io.berth.image.RegistryHosts;

import java.nio.file.Path;

/**
 * Where the engine keeps its state and what it runs containers with (dockerd's --data-root, --exec-root),
 * and the image store's tunables (registry certificates, transfer concurrency).
 */
public record EngineConfig(Path dataRoot, Path execRoot, Path shimBinary, RegistryHosts registries,
                           ImageServiceOptions imageOptions) {
    public EngineConfig(Path dataRoot, Path execRoot, Path shimBinary, RegistryHosts registries) {
        this(dataRoot, execRoot, shimBinary, registries, ImageServiceOptions.defaults());
    }
}
