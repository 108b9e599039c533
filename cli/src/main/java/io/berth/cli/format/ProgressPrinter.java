package io.berth.cli.format;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.ProgressMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * Prints a JSON progress stream the way docker does when output is not a terminal: one
 * "id: status" line per message, skipping progress-bar updates; an error message ends it.
 */
public final class ProgressPrinter {
    private final ObjectMapper mapper;
    private final PrintStream out;

    public ProgressPrinter(ObjectMapper mapper, PrintStream out) {
        this.mapper = mapper;
        this.out = out;
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
                print(message);
            }
        }
        out.flush();
        return null;
    }

    private void print(ProgressMessage message) {
        if (showsProgressBar(message) || message.status() == null) {
            return;
        }
        out.println(message.id() == null || message.id().isEmpty() ? message.status() : message.id() + ": " + message.status());
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
