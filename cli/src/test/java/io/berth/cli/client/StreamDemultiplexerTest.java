package io.berth.cli.client;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamDemultiplexerTest {
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final StreamDemultiplexer demultiplexer = new StreamDemultiplexer(stdout, stderr);

    static byte[] frame(int type, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[8 + data.length];
        framed[0] = (byte) type;
        framed[4] = (byte) (data.length >>> 24);
        framed[5] = (byte) (data.length >>> 16);
        framed[6] = (byte) (data.length >>> 8);
        framed[7] = (byte) data.length;
        System.arraycopy(data, 0, framed, 8, data.length);
        return framed;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /** Hands out one byte per read, as a slow network would. */
    private static InputStream trickle(byte[] data) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return super.read(buffer, offset, Math.min(1, length));
            }
        };
    }

    @Test
    void routesFramesToStdoutAndStderrEvenWhenSplitAcrossReads() throws IOException {
        demultiplexer.copy(trickle(concat(frame(1, "out 1\n"), frame(2, "err\n"), frame(1, "out 2\n"))));
        assertEquals("out 1\nout 2\n", stdout.toString(StandardCharsets.UTF_8));
        assertEquals("err\n", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void handlesFramesLargerThanItsBuffer() throws IOException {
        String big = "x".repeat(100_000);
        demultiplexer.copy(new ByteArrayInputStream(frame(1, big)));
        assertEquals(big, stdout.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyStreamEndsCleanly() throws IOException {
        demultiplexer.copy(new ByteArrayInputStream(new byte[0]));
        assertEquals(0, stdout.size());
    }

    @Test
    void aStreamCutInsideAFrameIsAnError() {
        byte[] whole = frame(1, "hello");
        byte[] cut = Arrays.copyOf(whole, whole.length - 2);
        assertThrows(EOFException.class, () -> demultiplexer.copy(new ByteArrayInputStream(cut)));
        assertThrows(EOFException.class, () -> demultiplexer.copy(new ByteArrayInputStream(new byte[]{1, 0, 0})));
    }

    @Test
    void rejectsUnknownStreamTypesAndReportsSystemErrors() {
        assertThrows(IOException.class, () -> demultiplexer.copy(new ByteArrayInputStream(frame(7, "?"))));
        IOException error = assertThrows(IOException.class, () -> demultiplexer.copy(new ByteArrayInputStream(frame(3, "boom\n"))));
        assertTrue(error.getMessage().contains("boom"));
    }
}
