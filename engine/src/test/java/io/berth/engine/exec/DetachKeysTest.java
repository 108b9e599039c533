package io.berth.engine.exec;

import io.berth.errdefs.InvalidArgumentException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetachKeysTest {
    @Test
    void parsesDockersKeyNames() {
        assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse("").sequence());
        assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse("ctrl-p,ctrl-q").sequence());
        assertArrayEquals(new byte[] {'a', 0, 27, 31}, DetachKeys.parse("a,ctrl-@,ctrl-[,ctrl-_").sequence());
        assertArrayEquals(new byte[] {24}, DetachKeys.parse("ctrl-X").sequence());
    }

    @Test
    void refusesUnknownKeysNamingTheSpec() {
        for (String bad : new String[] {"ctrl-", "ctrl-1", "ab", "ctrl-p,,ctrl-q", "shift-a"}) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> DetachKeys.parse(bad));
            assertEquals("Invalid detach keys (" + bad + ") provided", e.getMessage());
        }
    }

    @Test
    void holdsBackAPartialMatchAndReleasesItWhenItBreaks() {
        DetachKeys.Matcher m = DetachKeys.parse("ctrl-p,ctrl-q").matcher();
        DetachKeys.Matcher.Step first = m.feed(new byte[] {'h', 'i', 16}, 3);
        assertEquals("hi", new String(first.forward(), StandardCharsets.US_ASCII));
        assertFalse(first.detach());
        DetachKeys.Matcher.Step broken = m.feed(new byte[] {'x'}, 1);
        assertArrayEquals(new byte[] {16, 'x'}, broken.forward());
        DetachKeys.Matcher.Step repeated = m.feed(new byte[] {16, 16, 17, 'z'}, 4);
        assertArrayEquals(new byte[] {16}, repeated.forward(), "the first ctrl-p was input, the second starts the sequence");
        assertTrue(repeated.detach());
    }
}
