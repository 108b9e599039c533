package io.berth.api.server.endpoints;

import java.util.Locale;

/** Docker's progress bar text ("[=====>      ]  1.25MB/2.3MB") and its decimal size units. */
final class ProgressText {
    private static final int BAR_WIDTH = 50;
    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};

    private ProgressText() {}

    static String bar(long current, Long total) {
        if (total == null || total <= 0) return humanSize(current);
        int filled = (int) Math.min(BAR_WIDTH, current * BAR_WIDTH / total);
        String arrow = filled >= BAR_WIDTH ? "=".repeat(BAR_WIDTH) : "=".repeat(filled) + ">" + " ".repeat(BAR_WIDTH - filled - 1);
        return "[" + arrow + "] " + String.format(Locale.ROOT, "%8s/%s", humanSize(current), humanSize(total));
    }

    /** Four significant digits with decimal units, like docker's units.HumanSize. */
    static String humanSize(long bytes) {
        double size = bytes;
        int unit = 0;
        while (size >= 1000 && unit < UNITS.length - 1) {
            size /= 1000;
            unit++;
        }
        String number = String.format(Locale.ROOT, "%.4g", size);
        if (number.contains(".")) number = number.replaceAll("0+$", "").replaceAll("\\.$", "");
        return number + UNITS[unit];
    }
}
