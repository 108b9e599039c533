package io.berth.cli.format;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Times printed the way Go's time.Time.String() prints them, as docker's CreatedAt fields do. */
public final class Timestamps {
    private static final DateTimeFormatter GO_DEFAULT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z", Locale.ROOT);

    private Timestamps() {
    }

    /** "2024-01-02 03:04:05 +0000 UTC" in the CLI's time zone. */
    public static String goDefault(Instant instant) {
        return GO_DEFAULT.format(instant.atZone(ZoneId.systemDefault()));
    }
}
