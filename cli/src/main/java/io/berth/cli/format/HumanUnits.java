package io.berth.cli.format;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;

/** Durations and sizes worded the way docker prints them ("About a minute", "4.26MB", "7.657GiB"). */
public final class HumanUnits {
    private static final String[] DECIMAL_UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

    private HumanUnits() {
    }

    /** Docker's coarse duration: seconds below a minute, then minutes, hours (rounded), days, weeks, months, years. */
    public static String duration(Duration elapsed) {
        long seconds = elapsed.toSeconds();
        if (seconds < 1) {
            return "Less than a second";
        }
        if (seconds == 1) {
            return "1 second";
        }
        if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = elapsed.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        }
        if (minutes < 60) {
            return minutes + " minutes";
        }
        long roundedHours = (elapsed.toMillis() + Duration.ofMinutes(30).toMillis()) / Duration.ofHours(1).toMillis();
        if (roundedHours == 1) {
            return "About an hour";
        }
        if (roundedHours < 48) {
            return roundedHours + " hours";
        }
        if (roundedHours < 24 * 7 * 2) {
            return roundedHours / 24 + " days";
        }
        if (roundedHours < 24 * 30 * 2) {
            return roundedHours / 24 / 7 + " weeks";
        }
        if (roundedHours < 24 * 365 * 2) {
            return roundedHours / 24 / 30 + " months";
        }
        return elapsed.toHours() / 24 / 365 + " years";
    }

    /** "N units ago" as the CREATED columns show it. */
    public static String ago(Duration elapsed) {
        return duration(elapsed) + " ago";
    }

    /** Decimal units with three significant digits, as `docker images` shows sizes. */
    public static String size(long bytes) {
        return scaled(bytes, 1000, DECIMAL_UNITS, 3);
    }

    /** Decimal units with four significant digits (docker's units.HumanSize: prune's reclaimed space, system df). */
    public static String preciseSize(long bytes) {
        return scaled(bytes, 1000, DECIMAL_UNITS, 4);
    }

    /** Binary units with four significant digits, as `docker info` shows memory. */
    public static String binarySize(long bytes) {
        return scaled(bytes, 1024, BINARY_UNITS, 4);
    }

    private static String scaled(long bytes, int base, String[] units, int digits) {
        double value = bytes;
        int unit = 0;
        while (value >= base && unit < units.length - 1) {
            value /= base;
            unit++;
        }
        String number = new BigDecimal(value).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
        return number + units[unit];
    }
}
