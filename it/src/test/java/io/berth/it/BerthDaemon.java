package io.berth.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real berthd process started through bin/berthd on a private socket, data root and exec root,
 * so that tests never touch /var/lib/berth or /run/berth.sock.
 */
final class BerthDaemon implements AutoCloseable {
    final Path dir;
    final Path socket;
    final Path dataRoot;
    final Path execRoot;
    private final List<String> extraFlags;
    private Process process;

    BerthDaemon(Path dir, List<String> extraFlags) {
        this.dir = dir;
        this.socket = dir.resolve("berth.sock");
        this.dataRoot = dir.resolve("data");
        this.execRoot = dir.resolve("exec");
        this.extraFlags = extraFlags;
    }

    String host() { return "unix://" + socket; }

    BerthDaemon start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Commands.REPO_ROOT.resolve("bin/berthd").toString(),
                "--data-root", dataRoot.toString(), "--exec-root", execRoot.toString(),
                "--pidfile", dir.resolve("berthd.pid").toString(), "-H", host()));
        command.addAll(extraFlags);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("berthd.log").toFile()))
                .start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) throw new IllegalStateException("berthd exited early:\n" + log());
            if (Files.exists(socket) && docker("version").exitCode() == 0) return this;
            Thread.sleep(100);
        }
        throw new IllegalStateException("berthd did not answer within 60 s:\n" + log());
    }

    /** SIGTERM, like `systemctl stop`: containers are meant to keep running (live restore). */
    void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        process = null;
    }

    /** SIGKILL, a crash: nothing of the daemon's gets to run. */
    void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly().waitFor();
        process = null;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("berthd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    CommandResult docker(String... args) {
        return dockerWithInput(null, args);
    }

    CommandResult dockerWithInput(byte[] stdin, String... args) {
        return Commands.run(Map.of("DOCKER_HOST", host(), "DOCKER_CONFIG", dir.resolve("docker-config").toString()),
                stdin, Commands.concat(Commands.DOCKER_CLI.toString(), args));
    }

    CommandResult berth(String... args) {
        return berthWithInput(null, args);
    }

    CommandResult berthWithInput(byte[] stdin, String... args) {
        return Commands.run(Map.of("BERTH_HOST", host()), stdin,
                Commands.concat(Commands.REPO_ROOT.resolve("bin/berth").toString(), args));
    }

    /**
     * Removes every container (so their cgroups and state go too), stops the daemon, and removes the
     * daemon's cgroup parent when nothing else uses it (rmdir refuses a cgroup that still has children).
     */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            CommandResult ids = docker("ps", "-aq", "--no-trunc");
            for (String id : ids.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList()) {
                docker("rm", "-f", id);
            }
        }
        stop();
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                try {
                    Files.deleteIfExists(hierarchy.resolve("berth"));
                } catch (IOException inUse) {
                    // another daemon's containers live there
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
