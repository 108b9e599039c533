package io.berth.runtime.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Test bundles (runc spec's config.json, edited, and a busybox rootfs) and the commands that run them. */
final class Bundles {
    static final Path BERTH_RUNTIME = Path.of(System.getProperty("berth.home", ".."), "bin/berth-runtime").toAbsolutePath().normalize();

    record Result(int exitCode, String stdout, String stderr) {}

    private Bundles() {}

    /** A bundle whose process runs {@code sh -c script}; {@code edit} is python3 code changing the dict {@code s}. */
    static Path create(Path dir, String script, String edit) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        java.lang.Process list = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!applet.isBlank() && !Files.exists(bin.resolve(applet), LinkOption.NOFOLLOW_LINKS))
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        list.waitFor();
        check(run(dir, List.of("runc", "spec")));
        Files.writeString(dir.resolve("edit.py"), """
                import json, sys
                s = json.load(open('config.json'))
                s['process']['terminal'] = False
                s['process']['args'] = ['sh', '-c', sys.argv[1]]
                """ + edit + "\njson.dump(s, open('config.json', 'w'), indent=1)\n");
        check(run(dir, List.of("python3", "edit.py", script)));
        return dir;
    }

    /** Output goes to files: a detached container keeps the stdout it inherited open after the command is done. */
    static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
        return run(dir, command, "");
    }

    /** As {@link #run(Path, List)}, with {@code stdin} as the command's input. */
    static Result run(Path dir, List<String> command, String stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir.getParent(), "out", ".txt"), err = Files.createTempFile(dir.getParent(), "err", ".txt");
        Path in = Files.writeString(Files.createTempFile(dir.getParent(), "in", ".txt"), stdin);
        try {
            java.lang.Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(in.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(in);
            Files.delete(out);
            Files.delete(err);
        }
    }

    static List<String> berthRuntime(Path root, String... args) {
        List<String> command = new ArrayList<>(List.of(BERTH_RUNTIME.toString(), "--root", root.toString()));
        command.addAll(List.of(args));
        return command;
    }

    static Result check(Result result) {
        if (result.exitCode() != 0) throw new IllegalStateException("failed (" + result.exitCode() + "): " + result.stderr() + result.stdout());
        return result;
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
