package io.berth.engine;

import io.berth.image.RegistryHosts;

import java.nio.file.Path;

/** Where the engine keeps its state and what it runs containers with (dockerd's --data-root, --exec-root). */
public record EngineConfig(Path dataRoot, Path execRoot, Path shimBinary, RegistryHosts registries) {}
