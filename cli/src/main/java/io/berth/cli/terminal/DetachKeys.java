package io.berth.cli.terminal;

import java.io.ByteArrayOutputStream;

/**
 * Docker's detach key sequence, "ctrl-p,ctrl-q" by default: comma-separated keys, each a single
 * character or "ctrl-X" with X one of a-z, @, [, \, ], ^ or _.
 */
public final class DetachKeys {
    public static final String DEFAULT = "ctrl-p,ctrl-q";
    private static final String CONTROL_SYMBOLS = "@[\\]^_";

    private DetachKeys() {
    }

    /** The bytes a terminal sends for the sequence; IllegalArgumentException names the first bad key. */
    public static byte[] parse(String keys) {
        ByteArrayOutputStream codes = new ByteArrayOutputStream();
        for (String key : keys.split(",", -1)) {
            codes.write(code(key));
        }
        return codes.toByteArray();
    }

    private static int code(String key) {
        if (key.length() == 1) {
            return key.charAt(0);
        }
        if (key.length() == 6 && key.startsWith("ctrl-")) {
            char target = key.charAt(5);
            if (target >= 'a' && target <= 'z') {
                return target - 'a' + 1;
            }
            int symbol = CONTROL_SYMBOLS.indexOf(target);
            if (symbol >= 0) {
                return symbol == 0 ? 0 : 27 + symbol - 1;
            }
        }
        throw new IllegalArgumentException("Unknown character: '" + key + "'");
    }
}
