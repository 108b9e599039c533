package io.berth.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** dockerd's --pidfile: refuses to start while the recorded process is alive, removed on exit. */
final class PidFile implements AutoCloseable {
    private final Path file;

    private PidFile(Path file) {
        this.file = file;
    }

    static PidFile claim(Path file) throws IOException {
        if (Files.exists(file)) {
            String recorded = Files.readString(file).trim();
            if (recorded.matches("\\d+") && isBerthd(Long.parseLong(recorded))) {
                throw new IllegalStateException("pid file found, ensure berthd is not running or delete " + file
                        + " (process " + recorded + " is alive)");
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, ProcessHandle.current().pid() + "\n");
        return new PidFile(file);
    }

    /** A live process other than this one; a recycled pid of an unrelated program does not count. */
    private static boolean isBerthd(long pid) {
        if (pid == ProcessHandle.current().pid()) return false;
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(p -> p.info().commandLine())
                .map(cmd -> cmd.contains("io.berth.daemon.Main") || cmd.contains("berthd"))
                .orElse(false);
    }

    @Override
    public void close() throws IOException {
        String recorded = Files.exists(file) ? Files.readString(file).trim() : "";
        if (recorded.equals(String.valueOf(ProcessHandle.current().pid()))) Files.deleteIfExists(file);
    }
}
