package io.berth.runtime.cli;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.runtime.json.Json;
import io.berth.runtime.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bundle's OCI hooks that run in the runtime's namespaces, each given the container's state JSON on stdin:
 * prestart and createRuntime once the container is created (dockerd's libnetwork-setkey is a prestart hook),
 * poststart after start, poststop at delete. createContainer and startContainer (run inside the container) are
 * refused: nothing here runs them.
 */
record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> poststart, List<Hook> poststop) {
    static final Hooks NONE = new Hooks(List.of(), List.of(), List.of(), List.of());

    /** {@code args[0]} is the argv[0] the program sees, which may differ from its path (dockerd's re-exec relies on it). */
    record Hook(String path, List<String> args, List<String> env, Integer timeoutSeconds) {}

    /** The hooks in a config.json's text; parsed only when there are any: most bundles have none, and a run pays for every ms. */
    static Hooks of(String config) {
        return config.contains("\"hooks\"") ? of(JsonObject.of(Json.parse(config), "config").object("hooks")) : NONE;
    }

    /** The hooks of the bundle in {@code directory}; none when its config.json has gone (containerd removes bundles). */
    static Hooks ofBundle(Path directory) throws IOException {
        Path config = directory.resolve("config.json");
        return Files.exists(config) ? of(Files.readString(config)) : NONE;
    }

    private static Hooks of(JsonObject hooks) {
        if (hooks == null) return NONE;
        for (String inContainer : List.of("createContainer", "startContainer"))
            if (hooks.fields().get(inContainer) != null) throw new InvalidArgumentException("config.json: hooks." + inContainer + " is not supported");
        return new Hooks(list(hooks, "prestart"), list(hooks, "createRuntime"), list(hooks, "poststart"), list(hooks, "poststop"));
    }

    private static List<Hook> list(JsonObject hooks, String phase) {
        List<Hook> list = hooks.objects(phase, h -> {
            String path = h.string("path");
            if (path == null || !path.startsWith("/")) throw new InvalidArgumentException("config.json: hooks." + phase + ": path must be absolute");
            return new Hook(path, h.strings("args"), h.strings("env"), h.intValue("timeout"));
        });
        return list == null ? List.of() : list;
    }

    /** The hooks that must run before the process may exec. */
    List<Hook> beforeStart() {
        List<Hook> all = new ArrayList<>(prestart);
        all.addAll(createRuntime);
        return all;
    }

    /** Runs {@code hooks} in order; the first that fails or times out throws, naming {@code phase} and its output. */
    static void run(List<Hook> hooks, String phase, String stateJson) throws IOException {
        for (Hook hook : hooks) {
            List<String> args = hook.args() == null || hook.args().isEmpty() ? List.of(hook.path()) : hook.args();
            // ProcessBuilder's argv[0] is the path it runs; bash's exec -a sets another one
            List<String> command = new ArrayList<>(args.getFirst().equals(hook.path()) ? List.of(hook.path())
                    : List.of("/bin/bash", "-c", "exec -a \"$0\" \"$@\"", args.getFirst(), hook.path()));
            command.addAll(args.subList(1, args.size()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().clear();
            for (String entry : hook.env() == null ? List.<String>of() : hook.env()) {
                int eq = entry.indexOf('=');
                if (eq > 0) builder.environment().put(entry.substring(0, eq), entry.substring(eq + 1));
            }
            Path output = Files.createTempFile("berth-hook", ".out");
            try {
                java.lang.Process process = builder.redirectOutput(output.toFile()).start();
                try (OutputStream stdin = process.getOutputStream()) {
                    stdin.write(stateJson.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // a hook need not read its stdin
                }
                boolean exited = process.waitFor(hook.timeoutSeconds() == null ? Long.MAX_VALUE : hook.timeoutSeconds(), TimeUnit.SECONDS);
                if (!exited) {
                    process.destroyForcibly().waitFor();
                    throw new IOException(phase + " hook " + hook.path() + " timed out after " + hook.timeoutSeconds() + " s");
                }
                if (process.exitValue() != 0)
                    throw new IOException(phase + " hook " + hook.path() + " exited with " + process.exitValue() + ": " + Files.readString(output).strip());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running the " + phase + " hook " + hook.path(), e);
            } finally {
                Files.deleteIfExists(output);
            }
        }
    }
}
