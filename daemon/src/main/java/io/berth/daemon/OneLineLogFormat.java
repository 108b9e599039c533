package io.berth.daemon;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Daemon logging: one line per event on stderr, warnings only unless --debug. */
final class OneLineLogFormat extends Formatter {
    @Override
    public String format(LogRecord r) {
        String line = Instant.ofEpochMilli(r.getMillis()) + " " + r.getLevel().getName().toLowerCase() + " "
                + formatMessage(r);
        return r.getThrown() == null ? line + "\n" : line + ": " + r.getThrown() + "\n";
    }

    static void install(boolean debug) {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new OneLineLogFormat());
        Level level = debug ? Level.FINE : Level.WARNING;
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(Level.WARNING);
        Logger.getLogger("io.berth").setLevel(level);
        // Netty's own debug output is noise even with --debug.
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }
}
