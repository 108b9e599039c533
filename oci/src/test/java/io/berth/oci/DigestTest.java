package io.berth.oci;

import io.berth.errdefs.InvalidArgumentException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigestTest {
    /** sha256("hello") */
    private static final String HELLO = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @Test
    void hashesAndPrints() {
        Digest digest = Digest.sha256("hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals(HELLO, digest.toString());
        assertEquals("2cf24dba5fb0", digest.shortId());
        assertEquals(digest, Digest.parse(HELLO));
    }

    @Test
    void rejectsMalformedDigests() {
        assertThrows(InvalidArgumentException.class, () -> Digest.parse("sha256:ABC"));
        assertThrows(InvalidArgumentException.class, () -> Digest.parse("md5:" + "a".repeat(32)));
        assertThrows(InvalidArgumentException.class, () -> Digest.parse(HELLO.toUpperCase()));
        assertThrows(InvalidArgumentException.class, () -> Digest.parse("2cf24dba5fb0"));
        assertFalse(Digest.isValid("sha256:" + "a".repeat(63)));
        assertTrue(Digest.isValid(HELLO));
    }

    @Test
    void verifiesWhileStreaming() throws IOException {
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        try (DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(hello), Digest.parse(HELLO), 5)) {
            assertEquals(Digest.parse(HELLO), in.drainAndDigest());
        }
        byte[] other = "hellO".getBytes(StandardCharsets.US_ASCII);
        DigestingInputStream bad = new DigestingInputStream(new ByteArrayInputStream(other), Digest.parse(HELLO), 5);
        assertThrows(DigestMismatchException.class, bad::readAllBytes);
        DigestingInputStream tooLong = new DigestingInputStream(new ByteArrayInputStream("hello!".getBytes()), Digest.parse(HELLO), 5);
        assertThrows(DigestMismatchException.class, tooLong::readAllBytes);
    }
}
