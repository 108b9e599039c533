package io.berth.engine.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Reads docker's json-file log ({"log":"...","stream":"stdout","time":"..."} per line). Following
 * reads until the given exit future completes and the file is drained, woken by inotify (through
 * the JDK WatchService) or by the exit itself; the bounded wait is only a fallback for missed events.
 */
public final class JsonLogReader {
    private static final JsonFactory JSON = new JsonFactory();
    private static final long FALLBACK_WAKE_MILLIS = 250;

    private final Path file;

    public JsonLogReader(Path file) {
        this.file = file;
    }

    /** Current end of the log: where an attach that must not replay old output starts. */
    public long endOffset() throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    /** Sends the selected existing entries; with follow, keeps going from the end until {@code exited} completes. */
    public void read(LogOptions options, CompletableFuture<?> exited, LogSink sink) throws IOException, InterruptedException {
        long offset = options.tail() < 0 ? sendFrom(0, options, sink) : sendTail(options, sink);
        sink.flush();
        if (options.follow()) follow(offset, options, exited, sink);
    }

    /** Sends everything appended after {@code offset} until {@code exited} completes and the file is drained. */
    public void follow(long offset, LogOptions options, CompletableFuture<?> exited, LogSink sink)
            throws IOException, InterruptedException {
        Semaphore wake = new Semaphore(0);
        exited.whenComplete((r, e) -> wake.release());
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_MODIFY);
            Thread.ofVirtual().start(() -> relayEvents(watcher, wake));
            while (true) {
                boolean finished = exited.isDone();
                offset = sendFrom(offset, options, sink);
                sink.flush();
                if (finished) return;
                wake.tryAcquire(FALLBACK_WAKE_MILLIS, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            }
        }
    }

    private static void relayEvents(WatchService watcher, Semaphore wake) {
        try {
            while (true) {
                WatchKey key = watcher.take();
                key.pollEvents();
                key.reset();
                wake.release();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // the follower is done
        }
    }

    /** Sends complete lines from {@code offset}; returns the offset after the last complete line. */
    private long sendFrom(long offset, LogOptions options, LogSink sink) throws IOException {
        if (!Files.exists(file)) return offset;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= offset) return offset;
            in.seek(offset);
            byte[] chunk = new byte[(int) Math.min(length - offset, 1 << 20)];
            int carried = 0;
            long consumed = offset;
            int n;
            while ((n = in.read(chunk, carried, chunk.length - carried)) > 0) {
                int filled = carried + n;
                int lineStart = 0;
                for (int i = 0; i < filled; i++) {
                    if (chunk[i] != '\n') continue;
                    emit(chunk, lineStart, i - lineStart, options, sink);
                    consumed += i + 1 - lineStart;
                    lineStart = i + 1;
                }
                carried = filled - lineStart;
                if (carried == chunk.length) chunk = java.util.Arrays.copyOf(chunk, chunk.length * 2);
                System.arraycopy(chunk, lineStart, chunk, 0, carried);
            }
            return consumed;
        }
    }

    private long sendTail(LogOptions options, LogSink sink) throws IOException {
        if (!Files.exists(file)) return 0;
        Deque<LogEntry> last = new ArrayDeque<>();
        long end = Files.size(file);
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.forEach(text -> {
                byte[] line = text.getBytes(StandardCharsets.UTF_8);
                LogEntry e = parse(line, 0, line.length);
                if (e == null || !options.accepts(e)) return;
                last.addLast(e);
                if (last.size() > options.tail()) last.removeFirst();
            });
        }
        for (LogEntry e : last) sink.accept(e);
        return end;
    }

    private static void emit(byte[] buffer, int start, int length, LogOptions options, LogSink sink) throws IOException {
        LogEntry e = parse(buffer, start, length);
        if (e != null && options.accepts(e)) sink.accept(e);
    }

    /** Null for a line that is not a log record (a torn write after a crash): skipped like docker does. */
    static LogEntry parse(byte[] buffer, int start, int length) {
        if (length == 0) return null;
        // A streaming parse: this runs once per line of output, a tree per line costs several times more.
        try (JsonParser p = JSON.createParser(buffer, start, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            String log = null, stream = null, time = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "log" -> log = p.getText();
                    case "stream" -> stream = p.getText();
                    case "time" -> time = p.getText();
                    default -> p.skipChildren();
                }
            }
            if (log == null || time == null) return null;
            return new LogEntry(LogStream.parse(stream), log.getBytes(StandardCharsets.UTF_8), Instant.parse(time));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
