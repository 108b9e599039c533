package io.berth.engine.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Reads docker's json-file log ({"log":"...","stream":"stdout","time":"..."} per line), including
 * the files the monitor rotated away ({@code <log>.1} is the newest of those, as docker names them).
 * Following keeps the file open, so a rotation (a rename by the monitor) is noticed by the inode
 * of the path changing: the old file is drained to its end before the reader moves to the next.
 * It reads until the given exit future completes and the files are drained, woken by inotify
 * (through the JDK WatchService) or by the exit itself; the bounded wait is only a fallback.
 */
public final class JsonLogReader {
    private static final JsonFactory JSON = new JsonFactory();
    private static final long FALLBACK_WAKE_MILLIS = 250;
    private static final int CHUNK = 1 << 20;

    private final Path file;

    public JsonLogReader(Path file) {
        this.file = file;
    }

    /** A place in the log: a file by its inode and an offset in it. Inode 0 means "the current file, wherever". */
    public record Position(long inode, long offset) {
        static final Position CURRENT_START = new Position(0, 0);
    }

    /** The current end of the log: where an attach that must not replay old output starts. */
    public Position end() throws IOException {
        try {
            long inode = inodeOf(file);
            return new Position(inode, Files.size(file));
        } catch (NoSuchFileException e) {
            return Position.CURRENT_START;
        }
    }

    /** The oldest entry still kept: where an attach that replays starts. */
    public Position start() throws IOException {
        List<Path> files = filesOldestFirst();
        if (files.isEmpty()) return Position.CURRENT_START;
        try {
            return new Position(inodeOf(files.getFirst()), 0);
        } catch (NoSuchFileException rotatedAway) {
            return Position.CURRENT_START;
        }
    }

    /** Sends the selected existing entries; with follow, keeps going from the end until {@code exited} completes. */
    public void read(LogOptions options, CompletableFuture<?> exited, LogSink sink) throws IOException, InterruptedException {
        if (options.tail() == 0 && !options.follow()) return;
        Position position = options.tail() < 0 ? start() : sendTail(options, sink);
        sink.flush();
        if (options.tail() < 0 || options.follow()) {
            // Without follow, the "exit" has happened already: follow() then reads to the end and returns.
            follow(position, options, options.follow() ? exited : CompletableFuture.completedFuture(null), sink);
        }
    }

    /** Sends everything from {@code from} on, across rotations, until {@code exited} completes and the log is drained. */
    public void follow(Position from, LogOptions options, CompletableFuture<?> exited, LogSink sink)
            throws IOException, InterruptedException {
        Semaphore wake = new Semaphore(0);
        exited.whenComplete((r, e) -> wake.release());
        WatchService watcher = null;
        OpenLog current = null;
        try {
            current = openAt(from);
            while (true) {
                boolean finished = exited.isDone();
                if (current != null) current.send(options, sink);
                sink.flush();
                OpenLog next = current == null ? openLog(file) : current.successor();
                if (next != current) {
                    if (current != null) {
                        current.send(options, sink); // what was written before the rename
                        current.close();
                    }
                    current = next;
                    continue;
                }
                if (finished) return;
                if (watcher == null) {
                    watcher = FileSystems.getDefault().newWatchService();
                    file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
                    WatchService w = watcher;
                    Thread.ofVirtual().start(() -> relayEvents(w, wake));
                    continue; // a write between the last read and the registration would otherwise wait for the fallback
                }
                wake.tryAcquire(FALLBACK_WAKE_MILLIS, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            }
        } finally {
            if (current != null) current.close();
            if (watcher != null) watcher.close();
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

    /** The file a position names, at its offset; a file rotated out of existence restarts at the oldest one left. */
    private OpenLog openAt(Position from) throws IOException {
        OpenLog oldest = null;
        for (Path candidate : filesOldestFirst()) {
            OpenLog log = openLog(candidate);
            if (log == null) continue;
            if (from.inode() != 0 && log.inode == from.inode()) {
                if (oldest != null) oldest.close();
                log.offset = from.offset();
                return log;
            }
            if (oldest == null) oldest = log;
            else log.close();
            if (from.inode() == 0) break;
        }
        return oldest;
    }

    /** Rotated files from the oldest ({@code <log>.N}) to the current {@code <log>}; only those that exist. */
    private List<Path> filesOldestFirst() {
        List<Path> newestFirst = new ArrayList<>();
        newestFirst.add(file);
        for (int i = 1; ; i++) {
            Path rotated = rotated(file, i);
            if (!Files.exists(rotated)) break;
            newestFirst.add(rotated);
        }
        List<Path> result = new ArrayList<>(newestFirst.reversed());
        if (!Files.exists(file)) result.removeLast();
        return result;
    }

    static Path rotated(Path log, int index) {
        return log.resolveSibling(log.getFileName() + "." + index);
    }

    private static long inodeOf(Path path) throws IOException {
        return (Long) Files.getAttribute(path, "unix:ino");
    }

    /** The last {@code tail} selected entries over all files; returns the position after them. */
    private Position sendTail(LogOptions options, LogSink sink) throws IOException {
        Deque<LogEntry> last = new ArrayDeque<>();
        LogSink keeper = e -> {
            last.addLast(e);
            if (last.size() > options.tail()) last.removeFirst();
        };
        Position end = Position.CURRENT_START;
        for (Path path : filesOldestFirst()) {
            OpenLog log = openLog(path);
            if (log == null) continue;
            try (log) {
                log.send(options, keeper);
                end = new Position(log.inode, log.offset);
            }
        }
        for (LogEntry e : last) sink.accept(e);
        return end;
    }

    /** One open log file, its inode and how far it has been read (always at a line boundary). */
    private final class OpenLog implements AutoCloseable {
        final FileChannel channel;
        final long inode;
        long offset;

        private OpenLog(FileChannel channel, long inode) {
            this.channel = channel;
            this.inode = inode;
        }

        /** Sends the complete lines after {@code offset}; a file truncated in place (max-file=1) starts over. */
        void send(LogOptions options, LogSink sink) throws IOException {
            long size = channel.size();
            if (size < offset) offset = 0;
            if (size == offset) return;
            byte[] bytes = new byte[(int) Math.min(size - offset, CHUNK)];
            int carried = 0;
            while (true) {
                int n = channel.read(ByteBuffer.wrap(bytes, carried, bytes.length - carried), offset + carried);
                if (n <= 0) return;
                int filled = carried + n;
                int lineStart = 0;
                for (int i = 0; i < filled; i++) {
                    if (bytes[i] != '\n') continue;
                    emit(bytes, lineStart, i - lineStart, options, sink);
                    lineStart = i + 1;
                }
                offset += lineStart;
                carried = filled - lineStart;
                if (carried == bytes.length) bytes = Arrays.copyOf(bytes, bytes.length * 2);
                else System.arraycopy(bytes, lineStart, bytes, 0, carried);
            }
        }

        /** The next file to read once this one was rotated away; this one while it is still current. */
        OpenLog successor() throws IOException {
            long now;
            try {
                now = inodeOf(file);
            } catch (NoSuchFileException e) {
                return this; // between the monitor's rename and its reopen
            }
            if (now == inode) return this;
            // Renamed to <log>.k: the next newer one is <log>.(k-1), or the current file.
            for (int k = 1; ; k++) {
                Path rotated = rotated(file, k);
                long ino;
                try {
                    ino = inodeOf(rotated);
                } catch (NoSuchFileException e) {
                    break;
                }
                if (ino == inode) {
                    OpenLog next = openLog(k == 1 ? file : rotated(file, k - 1));
                    return next == null ? this : next;
                }
            }
            OpenLog next = openLog(file); // deleted by rotation before we finished it: lines lost, as with docker
            return next == null ? this : next;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private OpenLog openLog(Path path) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                long before = inodeOf(path);
                FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
                long after = inodeOf(path);
                if (before == after) return new OpenLog(channel, after);
                channel.close(); // renamed in between: look again
            } catch (NoSuchFileException e) {
                return null;
            }
        }
        return null;
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
            byte[] raw = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "log" -> log = p.getText();
                    case "stream" -> stream = p.getText();
                    case "time" -> time = p.getText();
                    case "raw" -> raw = p.getBinaryValue(); // the exact bytes of output that is not UTF-8
                    default -> p.skipChildren();
                }
            }
            // The time is parsed only when asked for; a torn line shows in its shape already.
            if (log == null || time == null || time.length() < 20 || !time.endsWith("Z")) return null;
            return new LogEntry(LogStream.parse(stream), raw != null ? raw : log.getBytes(StandardCharsets.UTF_8), time);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
