package io.berth.oci.reference;

import io.berth.errdefs.InvalidArgumentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageReferenceTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @ParameterizedTest
    @CsvSource({
            "busybox, docker.io/library/busybox:latest, busybox:latest",
            "busybox:1.36, docker.io/library/busybox:1.36, busybox:1.36",
            "library/busybox, docker.io/library/busybox:latest, busybox:latest",
            "docker.io/library/busybox:latest, docker.io/library/busybox:latest, busybox:latest",
            "index.docker.io/user/app, docker.io/user/app:latest, user/app:latest",
            "user/app:v1, docker.io/user/app:v1, user/app:v1",
            "localhost/x, localhost/x:latest, localhost/x:latest",
            "localhost:5000/x:1, localhost:5000/x:1, localhost:5000/x:1",
            "host:5000/a/b:tag, host:5000/a/b:tag, host:5000/a/b:tag",
            "registry.example.com/a__b/c-d.e:T_1, registry.example.com/a__b/c-d.e:T_1, registry.example.com/a__b/c-d.e:T_1",
            "[::1]:5000/x, [::1]:5000/x:latest, [::1]:5000/x:latest",
    })
    void normalisesLikeDocker(String input, String full, String familiar) {
        ImageReference ref = ImageReference.parse(input);
        assertEquals(full, ref.toString());
        assertEquals(familiar, ref.familiarName());
    }

    @Test
    void keepsDigestsAndTagsTogether() {
        ImageReference byDigest = ImageReference.parse("busybox@" + DIGEST);
        assertNull(byDigest.tag());
        assertEquals(DIGEST, byDigest.digest().toString());
        assertEquals("busybox@" + DIGEST, byDigest.familiarName());
        assertEquals(DIGEST, byDigest.manifestReference());

        ImageReference both = ImageReference.parse("127.0.0.1:5000/a:1@" + DIGEST);
        assertEquals("1", both.tag());
        assertEquals("127.0.0.1:5000/a:1@" + DIGEST, both.familiarName());
        assertEquals(DIGEST, both.manifestReference());
    }

    @Test
    void mapsDockerHubToItsApiHost() {
        assertEquals("registry-1.docker.io", ImageReference.parse("busybox").registryApiHost());
        assertEquals("localhost:5000", ImageReference.parse("localhost:5000/x").registryApiHost());
        assertEquals("library/busybox", ImageReference.parse("busybox").path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Busybox", "busybox:", "busybox@sha256:abc", "a//b", "-a", "a/-b", "busybox:-x",
            "UPPER.example.com/Repo", "a..b", "busybox:tag:tag"})
    void rejectsMalformedReferences(String input) {
        assertThrows(InvalidArgumentException.class, () -> ImageReference.parse(input));
    }

    @Test
    void rejectsUppercaseRepositoriesWithDockersWording() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> ImageReference.parse("example/App"));
        assertEquals("invalid reference format: repository name (example/App) must be lowercase", e.getMessage());
    }

    @Test
    void rejectsA64HexRepositoryName() {
        assertThrows(InvalidArgumentException.class, () -> ImageReference.parse("ab".repeat(32)));
    }
}
