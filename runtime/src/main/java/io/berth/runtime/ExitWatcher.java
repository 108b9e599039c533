package io.berth.runtime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Completes exit futures when monitors write their exit files: one inotify watch per state directory and a
 * single thread for all containers of one runtime instance. Closing it ends that thread: a JVM exits only
 * 300 ms after the last thread blocked in native code (the watch service's poller) has stopped, which a
 * short-lived command must not pay.
 */
final class ExitWatcher implements AutoCloseable {
    static final String EXIT_FILE = "exit";

    private record Watch(Path stateDir, CompletableFuture<ExitStatus> exit) {}

    private final WatchService service;
    private final Map<WatchKey, Watch> watches = new ConcurrentHashMap<>();

    ExitWatcher() {
        try {
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the exit file watch service", e);
        }
        Thread.ofPlatform().daemon().name("berth-exit-watcher").start(this::run);
    }

    /**
     * Watches {@code stateDir} for its exit file; the watch is set before looking so no exit is missed.
     * Watching a directory again returns the same future (inotify gives one key per directory).
     */
    synchronized CompletableFuture<ExitStatus> watch(Path stateDir) throws IOException {
        WatchKey key = stateDir.register(service, StandardWatchEventKinds.ENTRY_CREATE);
        Watch existing = watches.get(key);
        if (existing != null) return existing.exit();
        Watch watch = new Watch(stateDir, new CompletableFuture<>());
        watches.put(key, watch);
        check(key);
        return watch.exit();
    }

    /** The exit status recorded in {@code stateDir}, if the monitor has written it. */
    static ExitStatus readExit(Path stateDir) throws IOException {
        String[] fields;
        try {
            fields = Files.readString(stateDir.resolve(EXIT_FILE)).strip().split(" ");
        } catch (NoSuchFileException e) {
            return null;
        }
        // "<code> <finish time> <oom kills during the run>"; the third field is absent in Step 1 exit files.
        boolean oomKilled = fields.length > 2 && Long.parseLong(fields[2]) > 0;
        return new ExitStatus(Integer.parseInt(fields[0]), Instant.parse(fields[1]), oomKilled);
    }

    @Override
    public void close() throws IOException {
        service.close();
    }

    private void run() {
        try {
            for (;;) {
                WatchKey key = service.take();
                boolean exitSeen = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    exitSeen |= event.kind() == StandardWatchEventKinds.OVERFLOW
                            || Path.of(EXIT_FILE).equals(event.context());
                }
                if (exitSeen || !key.reset()) check(key);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // only when the JVM goes down
        }
    }

    private void check(WatchKey key) {
        Watch watch = watches.get(key);
        if (watch == null) return;
        try {
            ExitStatus status = readExit(watch.stateDir());
            if (status != null) {
                finish(key, watch);
                watch.exit().complete(status);
            } else if (!key.isValid()) { // the state directory was deleted
                finish(key, watch);
                watch.exit().completeExceptionally(new IOException("state of " + watch.stateDir() + " was removed"));
            }
        } catch (IOException | RuntimeException e) {
            finish(key, watch);
            watch.exit().completeExceptionally(e);
        }
    }

    private void finish(WatchKey key, Watch watch) {
        watches.remove(key, watch);
        key.cancel();
    }
}
