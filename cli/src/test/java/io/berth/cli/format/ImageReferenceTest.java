package io.berth.cli.format;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageReferenceTest {
    @Test
    void normalisesOfficialImages() {
        ImageReference busybox = ImageReference.parse("busybox");
        assertEquals("docker.io/library/busybox:latest", busybox.fullString());
        assertEquals("busybox:latest", busybox.familiarString());
        assertEquals("busybox", busybox.familiarName());
    }

    @Test
    void keepsRegistriesWithPortsAndUserRepositories() {
        ImageReference local = ImageReference.parse("localhost:5000/team/app:1.2");
        assertEquals("localhost:5000", local.domain());
        assertEquals("team/app", local.path());
        assertEquals("1.2", local.tag());
        assertEquals("localhost:5000/team/app", local.familiarName());
        assertEquals("docker.io/me/app:latest", ImageReference.parse("me/app").fullString());
        assertEquals("me/app", ImageReference.parse("me/app").familiarName());
    }

    @Test
    void digestsReplaceTheDefaultTag() {
        ImageReference pinned = ImageReference.parse("busybox@sha256:" + "a".repeat(64));
        assertEquals(null, pinned.tag());
        assertEquals("docker.io/library/busybox@sha256:" + "a".repeat(64), pinned.fullString());
    }

    @Test
    void rejectsInvalidReferences() {
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("BusyBox"));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(""));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("busybox:"));
    }
}
