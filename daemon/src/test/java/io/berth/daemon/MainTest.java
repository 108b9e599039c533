package io.berth.daemon;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flag handling: a bad value exits 1 with a message naming the flag, before anything is started. */
class MainTest {
    Path dir;
    PrintStream originalErr;
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void captureStderr() throws IOException {
        dir = Files.createTempDirectory("berthd-test");
        originalErr = System.err;
        System.setErr(new PrintStream(err, true));
    }

    @AfterEach
    void restore() throws IOException {
        System.setErr(originalErr);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    int run(String... args) {
        return Main.run(args);
    }

    @Test
    void anUnknownFlagExitsOne() {
        assertEquals(1, run("--no-such-flag"));
        assertTrue(err.toString().contains("--no-such-flag"), err.toString());
    }

    @Test
    void aBadHostNamesTheFlag() {
        assertEquals(1, run("-H", "udp://1.2.3.4", "--pidfile", dir.resolve("pid").toString(), "--shim", "/bin/true"));
        assertTrue(err.toString().contains("-H/--host"), err.toString());
        assertFalse(Files.exists(dir.resolve("pid")), "nothing may be started for a bad flag");
    }

    @Test
    void aBadMirrorNamesTheFlag() {
        assertEquals(1, run("--registry-mirror", "mirror.local", "--shim", "/bin/true"));
        assertTrue(err.toString().contains("--registry-mirror"), err.toString());
    }

    @Test
    void zeroConcurrentTransfersAreRefusedBeforeAnythingStarts() {
        assertEquals(1, run("--max-concurrent-downloads", "0", "--pidfile", dir.resolve("pid").toString(), "--shim", "/bin/true"));
        assertTrue(err.toString().contains("--max-concurrent-downloads"), err.toString());
        assertFalse(Files.exists(dir.resolve("pid")));
        assertEquals(1, run("--max-concurrent-uploads", "many", "--shim", "/bin/true"));
        assertTrue(err.toString().contains("--max-concurrent-uploads"), err.toString());
    }

    @Test
    void aMissingShimNamesTheFlag() {
        assertEquals(1, run("--shim", dir.resolve("nothing").toString()));
        assertTrue(err.toString().contains("--shim"), err.toString());
    }

    @Test
    void aLiveBerthdInThePidFileRefusesTheStartAndAStaleOneIsReplaced() throws Exception {
        Path pid = dir.resolve("berthd.pid");
        // A live process whose command line names the daemon's main class stands in for a running berthd.
        Process other = new ProcessBuilder("sh", "-c", "sleep 30; true", "io.berth.daemon.Main").start();
        try {
            Files.writeString(pid, other.pid() + "\n");
            assertThrows(IllegalStateException.class, () -> PidFile.claim(pid));
            assertEquals(other.pid() + "\n", Files.readString(pid));
        } finally {
            other.destroy();
            other.waitFor();
        }
        try (PidFile claimed = PidFile.claim(pid)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(pid));
        }
        assertFalse(Files.exists(pid), "the pid file is removed on exit");
    }
}
