package io.berth.runtime.cli;

import io.berth.linux.Errno;
import io.berth.runtime.StartFailure;
import io.berth.runtime.plan.Plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code berth-shim --no-monitor} with this process's stdio: the plan and report files live in the
 * container's state directory ({@code prefix} tells an exec's from the container's) until the report is read.
 * A waiting shim (--wait) stays until the process exits and exits with its status; it writes its report first.
 */
final class Shim {
    private final java.lang.Process process;
    private final Path planFile, reportFile;
    private final boolean waits;

    private Shim(java.lang.Process process, Path planFile, Path reportFile, boolean waits) {
        this.process = process;
        this.planFile = planFile;
        this.reportFile = reportFile;
        this.waits = waits;
    }

    /**
     * With {@code relayConsole} (a waiting shim only), the plan's console socket is one the shim itself listens on:
     * it relays this process's stdio to the container's terminal, as runc does for a foreground run with a tty.
     */
    static Shim start(Path binary, Path dir, String prefix, Plan plan, Path startFifo, boolean waits, Path relayConsole)
            throws StartFailure, IOException {
        Path planFile = dir.resolve(prefix + "plan"), reportFile = dir.resolve(prefix + "shim-report");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--no-monitor"));
        if (waits) command.add("--wait");
        if (waits && relayConsole != null) command.addAll(List.of("--relay-console", relayConsole.toString()));
        command.addAll(List.of(planFile.toString(), reportFile.toString()));
        if (startFifo != null) command.add(startFifo.toString());
        Files.write(planFile, plan.toBytes());
        try {
            return new Shim(new ProcessBuilder(command).inheritIO().start(), planFile, reportFile, waits);
        } catch (IOException e) {
            Files.deleteIfExists(planFile);
            throw new StartFailure("shim", "run " + binary + ": " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** The pid of the process once it has exec'd (or is created), or its failure as the shim reported it. */
    int awaitReport() throws StartFailure, IOException {
        String report;
        try {
            report = waits ? pollReport() : readReportAfterExit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("shim", "interrupted while starting the container", e);
        } finally {
            Files.deleteIfExists(planFile);
        }
        Files.deleteIfExists(reportFile);
        String[] words = report.strip().split(" ", 3);
        if (words.length == 3 && (words[0].equals("started") || words[0].equals("created"))) return Integer.parseInt(words[1]);
        if (words.length == 3 && words[0].equals("failed")) {
            int errno = Integer.parseInt(words[1]);
            String[] stepAndMessage = words[2].split("\t", 2);
            String step = stepAndMessage[0];
            StartFailure.Kind kind = !step.equals("exec") ? StartFailure.Kind.OTHER
                    : errno == Errno.ENOENT ? StartFailure.Kind.COMMAND_NOT_FOUND
                    : errno == Errno.EACCES ? StartFailure.Kind.PERMISSION_DENIED : StartFailure.Kind.OTHER;
            throw new StartFailure(step, kind, stepAndMessage.length > 1 ? stepAndMessage[1] : step);
        }
        throw new StartFailure("shim", StartFailure.Kind.OTHER, "berth-shim exited " + exitState() + ": " + report.strip());
    }

    private String readReportAfterExit() throws IOException, InterruptedException {
        process.waitFor();
        return Files.exists(reportFile) ? Files.readString(reportFile) : "";
    }

    /** A waiting shim writes its report (one line) and goes on; it is read as soon as the line is complete. */
    private String pollReport() throws IOException, InterruptedException {
        for (;;) {
            boolean exited = process.waitFor(1, TimeUnit.MILLISECONDS);
            String report = Files.exists(reportFile) ? Files.readString(reportFile) : "";
            if (report.endsWith("\n") || exited) return report;
        }
    }

    private String exitState() {
        return process.isAlive() ? "(still running)" : "with " + process.exitValue();
    }

    /** A waiting shim's exit status: the process's own, or 128 + the signal that killed it. */
    int exitCode() throws IOException {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the container", e);
        }
    }
}
