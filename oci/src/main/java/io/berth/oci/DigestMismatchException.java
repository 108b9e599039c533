package io.berth.oci;

import java.io.IOException;

/** Content read from a stream did not hash to the digest (or size) it was fetched under. */
public final class DigestMismatchException extends IOException {
    private final Digest expected;

    public DigestMismatchException(Digest expected, String detail) {
        super("digest mismatch for " + expected + ": " + detail);
        this.expected = expected;
    }

    public Digest expected() { return expected; }
}
