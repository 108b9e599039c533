package io.berth.engine;

import io.berth.engine.userns.UsernsRemap;
import io.berth.image.ImageServiceOptions;
import io.berth.image.RegistryHosts;

import java.nio.file.Path;

/**
 * Where the engine keeps its state and what it runs containers with (dockerd's --data-root, --exec-root),
 * the image store's tunables (registry certificates, transfer concurrency) and the user namespace remap
 * of dockerd's --userns-remap (null: containers share the host's user namespace).
 */
public record EngineConfig(Path dataRoot, Path execRoot, Path shimBinary, RegistryHosts registries,
                           ImageServiceOptions imageOptions, UsernsRemap usernsRemap) {
    public EngineConfig(Path dataRoot, Path execRoot, Path shimBinary, RegistryHosts registries,
                        ImageServiceOptions imageOptions) {
        this(dataRoot, execRoot, shimBinary, registries, imageOptions, null);
    }

    public EngineConfig(Path dataRoot, Path execRoot, Path shimBinary, RegistryHosts registries) {
        this(dataRoot, execRoot, shimBinary, registries, ImageServiceOptions.defaults());
    }
}
