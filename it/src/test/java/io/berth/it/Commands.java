package io.berth.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs client programs (the real docker CLI, bin/berth) with a bounded wait. */
final class Commands {
    static final Path REPO_ROOT = Path.of(System.getProperty("berth.repo", "..")).toAbsolutePath().normalize();
    static final Path DOCKER_CLI = Path.of("/usr/local/bin/docker");

    private Commands() {}

    static CommandResult run(Map<String, String> env, byte[] stdin, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            CompletableFuture<String> out = readAll(process.getInputStream());
            CompletableFuture<String> err = readAll(process.getErrorStream());
            try (var in = process.getOutputStream()) {
                if (stdin != null) in.write(stdin);
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out after 120 s: " + command);
            }
            return new CommandResult(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static List<String> concat(String first, String... rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(List.of(rest));
        return all;
    }

    private static CompletableFuture<String> readAll(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
