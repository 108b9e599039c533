package io.berth.cli.format;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.ProgressMessage;
import io.berth.cli.terminal.TerminalControl;
import io.berth.cli.terminal.WindowSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Prints a JSON progress stream (pull, push) as docker's CLI does. On a terminal every layer keeps
 * one line that is redrawn in place ("f236b88b123c: Downloading [=====>    ]  1.2MB/2.3MB") with ANSI
 * cursor movement; elsewhere each status is one plain line and progress-bar updates are skipped.
 * An error message ends the stream.
 */
public final class ProgressPrinter {
    /** docker's width when the terminal does not tell its size. */
    private static final int DEFAULT_COLUMNS = 200;
    /** Narrower terminals get the byte counts without the bar, as in docker. */
    private static final int BAR_MIN_COLUMNS = 111;
    private static final int BAR_WIDTH = 50;

    private final ObjectMapper mapper;
    private final PrintStream out;
    /** The terminal's width in columns, 0 when the output is no terminal. */
    private final int terminalColumns;
    /** Line of each layer id since the last message without progress, counted from the first such line. */
    private final Map<String, Integer> lines = new HashMap<>();

    /** Plain lines, as docker prints when its output is no terminal. */
    public ProgressPrinter(ObjectMapper mapper, PrintStream out) {
        this(mapper, out, 0);
    }

    /** Progress bars redrawn in place on a terminal {@code terminalColumns} wide; 0 prints plain lines. */
    public ProgressPrinter(ObjectMapper mapper, PrintStream out, int terminalColumns) {
        this.mapper = mapper;
        this.out = out;
        this.terminalColumns = terminalColumns;
    }

    /** For one of this process's own streams: bars when it is stdout or stderr on a terminal, plain lines otherwise. */
    public static ProgressPrinter forStream(ObjectMapper mapper, PrintStream out) {
        int fd = out == System.out ? 1 : out == System.err ? 2 : -1;
        if (fd < 0 || !TerminalControl.isTerminal(fd)) return new ProgressPrinter(mapper, out);
        return new ProgressPrinter(mapper, out, TerminalControl.windowSize(fd).map(WindowSize::columns).orElse(DEFAULT_COLUMNS));
    }

    /** Prints every message; returns the stream's error message, or null if it ended cleanly. */
    public String print(InputStream stream) throws IOException {
        try (MappingIterator<ProgressMessage> messages = mapper.readerFor(ProgressMessage.class).readValues(stream)) {
            while (messages.hasNextValue()) {
                ProgressMessage message = messages.nextValue();
                String error = errorOf(message);
                if (error != null) {
                    out.flush();
                    return error;
                }
                if (terminalColumns > 0) draw(message);
                else printPlain(message);
            }
        }
        out.flush();
        return null;
    }

    private void printPlain(ProgressMessage message) {
        if (showsProgressBar(message) || message.status() == null) {
            return;
        }
        out.println(prefix(message) + message.status());
    }

    /**
     * A message with a layer id and progress details goes to that layer's line: a new id opens a line
     * below the others, and the cursor goes up to the layer's line, redraws it and comes back down.
     * Any other message is printed below and starts a new group of lines (pull -a moves on to the next tag).
     */
    private void draw(ProgressMessage message) {
        boolean hasId = message.id() != null && !message.id().isEmpty();
        int up = 0;
        if (hasId && message.progressDetail() != null) {
            Integer line = lines.get(message.id());
            if (line == null) {
                line = lines.size();
                lines.put(message.id(), line);
                out.print("\n");
            }
            up = lines.size() - line;
            moveCursor(up, 'A');
        } else {
            lines.clear();
        }
        String status = message.status() == null ? "" : message.status();
        if (message.progressDetail() != null) {
            out.print("\u001b[2K\r" + prefix(message) + status + " " + bar(message.progressDetail(), terminalColumns) + "\r");
        } else {
            out.print(prefix(message) + status + "\n");
        }
        if (hasId) moveCursor(up, 'B');
        out.flush();
    }

    private void moveCursor(int lines, char direction) {
        if (lines > 0) out.print("\u001b[" + lines + direction);
    }

    private static String prefix(ProgressMessage message) {
        return message.id() == null || message.id().isEmpty() ? "" : message.id() + ": ";
    }

    /** docker's JSONProgress text: "[====>     ]  1.2MB/2.3MB", the bar only on wide terminals, counts only without a total. */
    static String bar(ProgressMessage.ProgressDetail detail, int columns) {
        long current = detail.current() == null ? 0 : detail.current();
        long total = detail.total() == null ? 0 : detail.total();
        if (current <= 0 && total <= 0) return "";
        if (total <= 0) return String.format("%8s", HumanUnits.preciseSize(current));
        int filled = (int) Math.min(BAR_WIDTH, (int) (current * 100.0 / total) / 2);
        String box = columns >= BAR_MIN_COLUMNS ? "[" + "=".repeat(filled) + ">" + " ".repeat(BAR_WIDTH - filled) + "] " : "";
        String counts = current > total ? String.format("%8s", HumanUnits.preciseSize(current))
                : String.format("%8s/%s", HumanUnits.preciseSize(current), HumanUnits.preciseSize(total));
        return box + counts;
    }

    private static boolean showsProgressBar(ProgressMessage message) {
        ProgressMessage.ProgressDetail detail = message.progressDetail();
        return detail != null && (positive(detail.current()) || positive(detail.total()));
    }

    private static boolean positive(Long value) {
        return value != null && value > 0;
    }

    private static String errorOf(ProgressMessage message) {
        if (message.errorDetail() != null && message.errorDetail().message() != null) {
            return message.errorDetail().message();
        }
        return message.error();
    }
}
