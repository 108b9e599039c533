package io.berth.runtime;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.linux.Errno;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.cgroup.CgroupVersion;
import io.berth.runtime.plan.PlanBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Starts containers through berth-shim and keeps track of them in {@code stateRoot/<id>/} (plan, state.json,
 * exit). The shim's monitors outlive this object and the JVM; a new instance on the same state root finds
 * their containers again.
 */
public final class ContainerRuntime {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final String PLAN_FILE = "plan";

    private record Running(String id, int pid, Instant startedAt, CompletableFuture<ExitStatus> exit)
            implements ContainerProcess {}

    private final Path shimBinary;
    private final Path stateRoot;
    private final CgroupDriver cgroups;
    private final ExitWatcher exitWatcher = ExitWatcher.SHARED;
    private final Map<String, Running> known = new ConcurrentHashMap<>();

    public ContainerRuntime(Path shimBinary, Path stateRoot) {
        this.shimBinary = shimBinary.toAbsolutePath();
        this.stateRoot = stateRoot.toAbsolutePath();
        try {
            Files.createDirectories(this.stateRoot);
            this.cgroups = CgroupDriver.detect();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the container runtime in " + stateRoot, e);
        }
    }

    public CgroupVersion cgroupVersion() {
        return cgroups.version();
    }

    /** Starts the container and returns once its process has exec'd; on failure nothing is left behind. */
    public ContainerProcess start(String id, Spec spec, List<RootfsMount> rootfsMounts, Path jsonLogFile) throws StartFailure {
        Path stateDir = stateDir(id);
        try {
            Files.createDirectory(stateDir);
        } catch (FileAlreadyExistsException e) {
            throw new ConflictException("container " + id + " already exists in the runtime");
        } catch (IOException e) {
            throw new StartFailure("state", "create state directory " + stateDir + ": " + e.getMessage(), e);
        }
        String cgroupsPath = spec.linux() != null && spec.linux().cgroupsPath() != null ? spec.linux().cgroupsPath() : "berth/" + id;
        Path logFile = jsonLogFile.toAbsolutePath();
        boolean logExisted = Files.exists(logFile);
        try {
            List<Path> procs;
            try {
                procs = cgroups.create(cgroupsPath, spec.linux() == null ? null : spec.linux().resources());
            } catch (IOException e) {
                throw new StartFailure("cgroup", "create cgroup " + cgroupsPath + ": " + e.getMessage(), e);
            }
            byte[] plan = new PlanBuilder(spec, rootfsMounts, procs, logFile,
                    stateDir.resolve(ExitWatcher.EXIT_FILE)).cgroupHierarchies(cgroups.hierarchyMounts(cgroupsPath)).build().toBytes();
            Files.write(stateDir.resolve(PLAN_FILE), plan);
            ShimReport report = runShim(stateDir.resolve(PLAN_FILE));
            Instant startedAt = Instant.now();
            new ContainerState(report.pid(), report.monitorPid(), startedAt.toString(), cgroupsPath).write(stateDir);
            Running running = new Running(id, report.pid(), startedAt, exitWatcher.watch(stateDir));
            known.put(id, running);
            return running;
        } catch (StartFailure | RuntimeException e) {
            discard(stateDir, cgroupsPath, logExisted ? null : logFile, e);
            throw e;
        } catch (IOException e) {
            discard(stateDir, cgroupsPath, logExisted ? null : logFile, e);
            throw new StartFailure("state", "start container " + id + ": " + e.getMessage(), e);
        }
    }

    private record ShimReport(int pid, int monitorPid) {}

    /** Runs the shim's foreground process, which exits as soon as the container has exec'd or failed. */
    private ShimReport runShim(Path plan) throws StartFailure {
        java.lang.Process shim;
        String output;
        try {
            shim = new ProcessBuilder(shimBinary.toString(), plan.toString()).redirectErrorStream(true).start();
            output = new String(shim.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new StartFailure("shim", "run " + shimBinary + ": " + e.getMessage(), e);
        }
        try {
            shim.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("shim", "interrupted while starting the container", e);
        }
        String[] words = output.split(" ", 3);
        if (words.length == 3 && words[0].equals("started")) {
            return new ShimReport(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
        }
        if (words.length == 3 && words[0].equals("failed")) {
            int errno = Integer.parseInt(words[1]);
            String[] stepAndMessage = words[2].split("\t", 2);
            String step = stepAndMessage[0], message = stepAndMessage.length > 1 ? stepAndMessage[1] : step;
            StartFailure.Kind kind = !step.equals("exec") ? StartFailure.Kind.OTHER
                    : errno == Errno.ENOENT ? StartFailure.Kind.COMMAND_NOT_FOUND
                    : errno == Errno.EACCES ? StartFailure.Kind.PERMISSION_DENIED
                    : StartFailure.Kind.OTHER;
            throw new StartFailure(step, kind, message);
        }
        throw new StartFailure("shim", StartFailure.Kind.OTHER, "berth-shim exited with " + shim.exitValue() + ": " + output);
    }

    /** A container started by this or an earlier runtime whose monitor is alive or whose exit was recorded. */
    public Optional<ContainerProcess> find(String id) {
        Running cached = known.get(id);
        if (cached != null) return Optional.of(cached);
        Path stateDir = stateDir(id);
        try {
            ContainerState state = ContainerState.read(stateDir);
            ExitStatus exited = ExitWatcher.readExit(stateDir);
            CompletableFuture<ExitStatus> exit;
            if (exited != null) exit = CompletableFuture.completedFuture(exited);
            else if (monitorAlive(state.monitorPid(), stateDir)) exit = exitWatcher.watch(stateDir);
            else return Optional.empty();
            Running found = new Running(id, state.pid(), Instant.parse(state.startedAt()), exit);
            Running raced = known.putIfAbsent(id, found);
            return Optional.of(raced != null ? raced : found);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read state of container " + id, e);
        }
    }

    /** Sends {@code signal} to the container's pid 1. */
    public void kill(String id, int signal) {
        ContainerProcess process = find(id).filter(p -> !p.exit().isDone())
                .orElseThrow(() -> new NotFoundException("container " + id + " is not running"));
        try {
            Syscalls.kill(process.pid(), signal);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ESRCH) throw new NotFoundException("container " + id + " is not running");
            throw new UncheckedIOException(e);
        }
    }

    /** Removes an exited container's state and cgroups. */
    public void delete(String id) {
        Path stateDir = stateDir(id);
        if (!Files.isDirectory(stateDir)) throw new NotFoundException("No such container: " + id);
        Optional<ContainerProcess> process = find(id);
        if (process.isPresent() && !process.get().exit().isDone())
            throw new ConflictException("cannot delete container " + id + ": it is running");
        try {
            ContainerState state = ContainerState.read(stateDir);
            cgroups.remove(state.cgroupsPath());
            deleteTree(stateDir);
            known.remove(id);
        } catch (IOException e) {
            throw new UncheckedIOException("delete container " + id, e);
        }
    }

    private Path stateDir(String id) {
        if (id == null || !ID.matcher(id).matches()) throw new InvalidArgumentException("invalid container id: " + id);
        return stateRoot.resolve(id);
    }

    /** The pid could have been reused: the monitor is ours only if its command line names this container's plan. */
    private static boolean monitorAlive(int monitorPid, Path stateDir) {
        try {
            String cmdline = Files.readString(Path.of("/proc", Integer.toString(monitorPid), "cmdline"));
            return cmdline.contains(stateDir.resolve(PLAN_FILE).toString());
        } catch (IOException e) {
            return false;
        }
    }

    /** Undoes a failed start: cgroups, state and the log file the monitor created. */
    private void discard(Path stateDir, String cgroupsPath, Path createdLog, Exception failure) {
        try {
            cgroups.remove(cgroupsPath);
            deleteTree(stateDir);
            if (createdLog != null) Files.deleteIfExists(createdLog);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
