package io.berth.engine.container;

import io.berth.engine.security.SecurityPolicy;
import io.berth.engine.userns.UsernsRemap;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --userns-remap and HostConfig.UsernsMode as they land in the OCI spec (run as root: the working directory is chowned). */
class UsernsSpecTest {
    private static final List<Linux.IdMapping> MAP = List.of(new Linux.IdMapping(0, 231072, 65536));
    private static final UsernsRemap REMAP = new UsernsRemap("remap", "remap", MAP, MAP);
    private Path dir;
    private Path layer;

    @BeforeEach
    void image() throws IOException {
        dir = Files.createTempDirectory("userns-spec-");
        layer = Files.createDirectories(dir.resolve("layer/etc"));
        Files.writeString(layer.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(layer.resolve("group"), "root:x:0:\n");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private OciSpecBuilder builder(String usernsMode, String workingDir) throws IOException {
        String id = "ef".repeat(32);
        ContainerSpec spec = new ContainerSpec("busybox", List.of(), List.of("true"), List.of("PATH=/bin"), workingDir, "",
                "box", "", Map.of(), false, false, false, false, true, true, null, null);
        Isolation iso = new Isolation(null, null, false, null, false, null, null, null, null, null, null, false, null, usernsMode);
        Container c = new Container(id, "box", "sha256:abc", "busybox", spec, new HostSpec(false, List.of(), null, Resources.NONE, iso),
                Instant.now(), ContainerState.CREATED, 0, 0, null, null, "", false);
        ContainerFiles files = ContainerFiles.of(dir, id);
        Files.createDirectories(files.upperDir());
        return new OciSpecBuilder(c, files, List.of(dir.resolve("layer")), new SecurityPolicy(),
                ref -> { throw new NotFoundException("No such container: " + ref); }, REMAP);
    }

    @Test
    void theRemapAddsAUserNamespaceWithItsMappings() throws IOException {
        Spec spec = builder("", "").build();
        assertTrue(spec.linux().namespaces().contains(new Linux.Namespace("user", null)));
        assertEquals(MAP, spec.linux().uidMappings());
        assertEquals(MAP, spec.linux().gidMappings());
    }

    @Test
    void hostModeLeavesTheUserNamespaceOut() throws IOException {
        Spec spec = builder("host", "").build();
        assertTrue(spec.linux().namespaces().stream().noneMatch(ns -> ns.type().equals("user")));
        assertNull(spec.linux().uidMappings());
    }

    @Test
    void anUnknownModeIsRefused() {
        assertEquals("invalid USER mode: private",
                assertThrows(InvalidArgumentException.class, () -> builder("private", "").check()).getMessage());
    }

    @Test
    void aMissingWorkingDirectoryIsMadeForTheRemappedRoot() throws IOException {
        builder("", "/srv/app").build();
        Path made = dir.resolve("overlay").resolve("ef".repeat(32)).resolve("upper/srv/app");
        assertEquals(231072, (int) Files.getAttribute(made, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(231072, (int) Files.getAttribute(made.getParent(), "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }
}
