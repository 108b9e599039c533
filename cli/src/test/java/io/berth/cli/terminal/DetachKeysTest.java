package io.berth.cli.terminal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DetachKeysTest {
    private static final byte[] CTRL_P_CTRL_Q = {16, 17};

    @Test
    void parsesDockersKeyNames() {
        assertArrayEquals(CTRL_P_CTRL_Q, DetachKeys.parse(DetachKeys.DEFAULT));
        assertArrayEquals(new byte[]{0, 27, 28, 29, 30, 31}, DetachKeys.parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"));
        assertArrayEquals(new byte[]{'a', 1, 'Z'}, DetachKeys.parse("a,ctrl-a,Z"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> DetachKeys.parse("ctrl-p,ctrl-1"));
        assertEquals("Unknown character: 'ctrl-1'", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DetachKeys.parse("ctrl-p,"));
    }

    /** Reads everything, one read per chunk the source hands out, like keys arriving from a terminal. */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[64];
        int read;
        while ((read = in.read(buffer, 0, buffer.length)) != -1) {
            all.write(buffer, 0, read);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /** A source that hands out one byte per read, as a raw terminal does for typed keys. */
    private static InputStream keyByKey(String keys) {
        ByteArrayInputStream source = new ByteArrayInputStream(keys.getBytes(StandardCharsets.ISO_8859_1));
        return new InputStream() {
            @Override
            public int read() {
                return source.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len == 0 ? 0 : source.read(b, off, 1);
            }
        };
    }

    @Test
    void ordinaryInputPassesUnchanged() throws IOException {
        assertEquals("ls -l\r", readAll(new DetachKeyFilter(keyByKey("ls -l\r"), CTRL_P_CTRL_Q)));
        assertEquals("ls -l\r", readAll(new DetachKeyFilter(new ByteArrayInputStream("ls -l\r".getBytes()), CTRL_P_CTRL_Q)));
    }

    @Test
    void aStartedSequenceThatBreaksOffIsPassedOnInFull() throws IOException {
        assertEquals("\u0010x\u0010\u0010y", readAll(new DetachKeyFilter(keyByKey("\u0010x\u0010\u0010y"), CTRL_P_CTRL_Q)));
        assertEquals("a\u0010", readAll(new DetachKeyFilter(keyByKey("a\u0010"), CTRL_P_CTRL_Q)), "held keys come out at EOF");
    }

    @Test
    void theWholeSequenceDetachesWhetherTypedKeyByKeyOrInOneRead() throws IOException {
        for (InputStream source : new InputStream[]{keyByKey("echo\r\u0010\u0011after"),
                new ByteArrayInputStream("echo\r\u0010\u0011after".getBytes(StandardCharsets.ISO_8859_1))}) {
            DetachKeyFilter filter = new DetachKeyFilter(source, CTRL_P_CTRL_Q);
            ByteArrayOutputStream passed = new ByteArrayOutputStream();
            byte[] buffer = new byte[64];
            DetachKeyFilter.DetachRequested detach = assertThrows(DetachKeyFilter.DetachRequested.class, () -> {
                int read;
                while ((read = filter.read(buffer, 0, buffer.length)) != -1) {
                    passed.write(buffer, 0, read);
                }
            });
            assertEquals("read escape sequence", detach.getMessage());
            assertEquals("echo\r", passed.toString(StandardCharsets.ISO_8859_1), "the keys never reach the container");
            assertThrows(DetachKeyFilter.DetachRequested.class, () -> filter.read(buffer, 0, 1));
        }
    }
}
