package io.berth.engine.logs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLogReaderTest {
    Path dir;
    Path log;

    @BeforeEach
    void createLog() throws IOException {
        dir = Files.createTempDirectory("berth-log-test");
        log = dir.resolve("c-json.log");
        Files.createFile(log);
    }

    @AfterEach
    void deleteLog() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.delete(p);
        }
        Files.deleteIfExists(dir);
    }

    /** What the monitor does when the log is full: log.1 -> log.2, log -> log.1, a new empty log. */
    void rotate() throws IOException {
        Path first = dir.resolve("c-json.log.1");
        if (Files.exists(first)) Files.move(first, dir.resolve("c-json.log.2"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(log, first);
        Files.createFile(log);
    }

    void append(String stream, String text, Instant time) throws IOException {
        String line = "{\"log\":\"" + text.replace("\n", "\\n") + "\",\"stream\":\"" + stream + "\",\"time\":\"" + time + "\"}\n";
        Files.writeString(log, line, StandardOpenOption.APPEND);
    }

    static String joined(List<LogEntry> entries) {
        return entries.stream().map(e -> e.stream().frameType() + ":" + new String(e.payload(), StandardCharsets.UTF_8))
                .reduce("", String::concat);
    }

    @Test
    void selectsStreamsTailAndTimeWindow() throws Exception {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        append("stdout", "a\n", t0);
        append("stderr", "b\n", t0.plusSeconds(1));
        append("stdout", "c\n", t0.plusSeconds(2));
        Files.writeString(log, "{\"log\":\"torn", StandardOpenOption.APPEND);
        JsonLogReader reader = new JsonLogReader(log);
        List<LogEntry> all = new CopyOnWriteArrayList<>();
        reader.read(LogOptions.everything(false), CompletableFuture.completedFuture(null), all::add);
        assertEquals("1:a\n2:b\n1:c\n", joined(all));

        List<LogEntry> stdoutTail = new CopyOnWriteArrayList<>();
        reader.read(new LogOptions(true, false, false, 1, null, null, false), CompletableFuture.completedFuture(null), stdoutTail::add);
        assertEquals("1:c\n", joined(stdoutTail));

        List<LogEntry> window = new CopyOnWriteArrayList<>();
        reader.read(new LogOptions(true, true, false, -1, t0.plusSeconds(1), t0.plusSeconds(1), false),
                CompletableFuture.completedFuture(null), window::add);
        assertEquals("2:b\n", joined(window));
    }

    @Test
    void followingDeliversAppendedLinesAndEndsWhenTheExitHasHappened() throws Exception {
        JsonLogReader reader = new JsonLogReader(log);
        CompletableFuture<Void> exited = new CompletableFuture<>();
        List<LogEntry> received = new CopyOnWriteArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> {
            try {
                reader.follow(reader.start(), LogOptions.everything(true), exited, received::add);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        append("stdout", "first\n", Instant.now());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (received.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals("1:first\n", joined(received));
        assertTrue(follower.isAlive(), "the follower must keep going while the container runs");

        append("stderr", "last\n", Instant.now());
        exited.complete(null);
        assertTrue(follower.join(Duration.ofSeconds(5)), "the follower did not end after the exit");
        assertEquals("1:first\n2:last\n", joined(received));
    }

    @Test
    void readsRotatedFilesOldestFirstAndTailsAcrossThem() throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        append("stdout", "1\n", t);
        rotate();
        append("stdout", "2\n", t);
        append("stderr", "3\n", t);
        rotate();
        append("stdout", "4\n", t);
        JsonLogReader reader = new JsonLogReader(log);
        List<LogEntry> all = new CopyOnWriteArrayList<>();
        reader.read(LogOptions.everything(false), CompletableFuture.completedFuture(null), all::add);
        assertEquals("1:1\n1:2\n2:3\n1:4\n", joined(all));
        List<LogEntry> tail = new CopyOnWriteArrayList<>();
        reader.read(new LogOptions(true, true, false, 2, null, null, false), CompletableFuture.completedFuture(null), tail::add);
        assertEquals("2:3\n1:4\n", joined(tail));
    }

    @Test
    void followingMovesOnWhenTheLogIsRotatedAndMissesNothing() throws Exception {
        JsonLogReader reader = new JsonLogReader(log);
        append("stdout", "before\n", Instant.now());
        JsonLogReader.Position end = reader.end();
        CompletableFuture<Void> exited = new CompletableFuture<>();
        List<LogEntry> received = new CopyOnWriteArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> {
            try {
                reader.follow(end, LogOptions.everything(true), exited, received::add);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        append("stdout", "a\n", Instant.now());
        rotate();
        append("stdout", "b\n", Instant.now());
        rotate(); // twice before the follower may have looked: it still finds its file as .2
        append("stdout", "c\n", Instant.now());
        exited.complete(null);
        assertTrue(follower.join(Duration.ofSeconds(5)), "the follower did not end after the exit");
        assertEquals("1:a\n1:b\n1:c\n", joined(received));
    }

    @Test
    void aLogTruncatedInPlaceIsReadFromItsStart() throws Exception {
        JsonLogReader reader = new JsonLogReader(log);
        append("stdout", "long line before the truncation\n", Instant.now());
        JsonLogReader.Position end = reader.end();
        Files.write(log, new byte[0]); // max-file=1: the monitor truncates instead of renaming
        append("stdout", "x\n", Instant.now());
        List<LogEntry> received = new CopyOnWriteArrayList<>();
        reader.follow(end, LogOptions.everything(true), CompletableFuture.completedFuture(null), received::add);
        assertEquals("1:x\n", joined(received));
    }
}
