package io.berth.api.server.endpoints;

import io.berth.engine.logs.LogEntry;
import java.io.ByteArrayOutputStream;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Docker's stream framing: multiplexed ([type, 0, 0, 0, uint32 big-endian length] + payload) when
 * the container has no TTY, raw bytes with one. With timestamps each payload starts with the
 * RFC 3339 time (nine fraction digits) and a space.
 */
record StreamFrames(boolean multiplexed, boolean timestamps) {
    static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
    static final String RAW = "application/vnd.docker.raw-stream";
    private static final DateTimeFormatter FIXED_NANOS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    /** The content type for a client of this API version (1.42 introduced the multiplexed type name). */
    static String contentType(boolean multiplexed, boolean apiAtLeast142) {
        return multiplexed && apiAtLeast142 ? MULTIPLEXED : RAW;
    }

    /** One payload as the daemon's own message on {@code stream} (1 stdout, 2 stderr), framed if multiplexed. */
    byte[] frame(int stream, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 8);
        if (multiplexed) header(out, stream, payload.length);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, int stream, int length) {
        out.write(stream);
        out.write(0);
        out.write(0);
        out.write(0);
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
    }

    /** Appends the frame of {@code e} to {@code out}. */
    void writeTo(ByteArrayOutputStream out, LogEntry e) {
        byte[] prefix = timestamps ? (FIXED_NANOS.format(e.time()) + " ").getBytes(StandardCharsets.US_ASCII) : new byte[0];
        int length = prefix.length + e.payload().length;
        if (multiplexed) header(out, e.stream().frameType(), length);
        out.writeBytes(prefix);
        out.writeBytes(e.payload());
    }
}
