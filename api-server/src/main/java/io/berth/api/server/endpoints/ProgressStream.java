package io.berth.api.server.endpoints;

import io.berth.api.model.ProgressMessage;
import io.berth.api.server.http.Exchange;
import io.berth.image.PullProgress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/**
 * A JSON progress stream (pull, push, import) whose HTTP answer starts with its first message, so a
 * failure before any progress is still a plain error answer with the right status.
 */
final class ProgressStream implements Consumer<PullProgress>, AutoCloseable {
    private final Exchange exchange;
    private Exchange.ChunkedStream out;

    ProgressStream(Exchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public void accept(PullProgress p) {
        // A layer's update always carries progressDetail (docker's CLI redraws such lines in place), {} without counts.
        ProgressMessage.ProgressDetail detail = p.message() ? null : new ProgressMessage.ProgressDetail(p.current(), p.total());
        String bar = p.current() == null ? null : ProgressText.bar(p.current(), p.total());
        send(new ProgressMessage(p.status(), p.id(), bar, detail, null, null, null));
    }

    void send(ProgressMessage message) {
        try {
            if (out == null) out = exchange.stream(200, Exchange.JSON);
            out.writeJsonLine(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** After the stream started, an error becomes its last line; before, the caller answers with a status. */
    boolean reportIfStarted(Exception failure) {
        if (out == null) return false;
        send(ProgressMessage.failure(failure.getMessage() == null ? failure.toString() : failure.getMessage()));
        return true;
    }

    @Override
    public void close() {
        if (out != null) out.close();
    }
}
