package io.berth.cli.format;

/** Docker's 12-character short form of container and image ids. */
public final class Identifiers {
    private static final int SHORT_LENGTH = 12;

    private Identifiers() {
    }

    /** Drops an algorithm prefix ("sha256:") and keeps the first twelve characters. */
    public static String shortId(String id) {
        if (id == null) {
            return "";
        }
        String hex = id.substring(id.indexOf(':') + 1);
        return hex.length() > SHORT_LENGTH ? hex.substring(0, SHORT_LENGTH) : hex;
    }
}
