package io.berth.api.server.endpoints;

import io.berth.api.server.http.Exchange;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** An OutputStream over a chunked answer, for producers that write streams (docker save); closing does not end the answer. */
final class ChunkedOutputStream extends OutputStream {
    private final Exchange.ChunkedStream stream;

    ChunkedOutputStream(Exchange.ChunkedStream stream) {
        this.stream = stream;
    }

    @Override
    public void write(int b) throws IOException {
        stream.write(new byte[] {(byte) b});
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length > 0) stream.write(Arrays.copyOfRange(bytes, offset, offset + length));
    }
}
