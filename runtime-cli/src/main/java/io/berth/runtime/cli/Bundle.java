package io.berth.runtime.cli;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Root;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.json.SpecJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An OCI bundle: a directory with config.json, whose root.path may be relative to the bundle, and its hooks. */
record Bundle(Path directory, Spec spec, Hooks hooks) {
    static Bundle load(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        Spec spec;
        Hooks hooks;
        try {
            String config = Files.readString(dir.resolve("config.json"));
            spec = SpecJson.read(config);
            hooks = Hooks.of(config);
        } catch (NoSuchFileException e) {
            throw new InvalidArgumentException("bundle " + dir + " has no config.json");
        } catch (IOException e) {
            throw new InvalidArgumentException("bundle " + dir + ": cannot read config.json: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("bundle " + dir + ": malformed config.json: " + e.getMessage());
        }
        if (spec.root() == null || spec.root().path() == null) throw new InvalidArgumentException("config.json: root.path is missing");
        Path rootfs = dir.resolve(spec.root().path()).normalize();
        Spec absolute = new Spec(spec.ociVersion(), spec.process(), new Root(rootfs.toString(), spec.root().readonly()),
                spec.hostname(), spec.domainname(), spec.mounts(), spec.linux(), spec.annotations());
        return new Bundle(dir, absolute, hooks);
    }

    Path rootfs() {
        return Path.of(spec.root().path());
    }
}
