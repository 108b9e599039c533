package io.berth.engine.exec;

import io.berth.errdefs.InvalidArgumentException;

import java.io.ByteArrayOutputStream;

/**
 * Docker's detach key sequence ("ctrl-p,ctrl-q" by default): comma-separated keys, each a single
 * character or "ctrl-X" for X in a-z, @, [, \, ], ^, _. {@link Matcher} watches a client's stdin
 * for the sequence and holds back a partial match until it knows whether it completes.
 */
public record DetachKeys(byte[] sequence) {
    public static final String DEFAULT = "ctrl-p,ctrl-q";

    public static DetachKeys parse(String spec) {
        if (spec == null || spec.isEmpty()) spec = DEFAULT;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String key : spec.split(",", -1)) {
            String k = key.trim();
            if (k.length() == 1) {
                out.write(k.charAt(0));
            } else if (k.length() == 6 && k.regionMatches(true, 0, "ctrl-", 0, 5)) {
                char c = Character.toLowerCase(k.charAt(5));
                if (c >= 'a' && c <= 'z') out.write(c - 'a' + 1);
                else if (c >= '@' && c <= '_' && "@[\\]^_".indexOf(c) >= 0) out.write(c - '@');
                else throw invalid(spec);
            } else {
                throw invalid(spec);
            }
        }
        return new DetachKeys(out.toByteArray());
    }

    private static InvalidArgumentException invalid(String spec) {
        return new InvalidArgumentException("Invalid detach keys (" + spec + ") provided");
    }

    public Matcher matcher() {
        return new Matcher();
    }

    /** Splits stdin into what to forward and the detach point. */
    public final class Matcher {
        private int matched;

        /** Result of feeding one read: the bytes to forward now, and whether the sequence completed. */
        public record Step(byte[] forward, boolean detach) {}

        public Step feed(byte[] data, int length) {
            ByteArrayOutputStream forward = new ByteArrayOutputStream(length + matched);
            for (int i = 0; i < length; i++) {
                byte b = data[i];
                if (b == sequence[matched]) {
                    matched++;
                    if (matched == sequence.length) return new Step(forward.toByteArray(), true);
                    continue;
                }
                // A broken partial match was input after all: send it, then look at this byte afresh.
                forward.write(sequence, 0, matched);
                matched = 0;
                if (b == sequence[0]) {
                    matched = 1;
                    if (matched == sequence.length) return new Step(forward.toByteArray(), true);
                } else {
                    forward.write(b);
                }
            }
            return new Step(forward.toByteArray(), false);
        }
    }
}
