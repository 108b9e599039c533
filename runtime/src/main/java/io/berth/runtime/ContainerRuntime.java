package io.berth.runtime;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.linux.Errno;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Spec;
import io.berth.oci.runtime.LinuxResources;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.runtime.cgroup.CgroupVersion;
import io.berth.runtime.plan.PlanBuilder;
import io.berth.runtime.plan.StdioPlan;
import io.berth.runtime.stdio.ControlChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
public final class ContainerRuntime implements AutoCloseable {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final String PLAN_FILE = "plan";
    private static final String REPORT_FILE = "shim-report";
    private static final int SIGUSR1 = 10;
    /** sockaddr_un.sun_path holds 108 bytes, the terminating NUL included. */
    private static final int MAX_SOCKET_PATH = 107;

    private record Running(String id, int pid, Instant startedAt, CompletableFuture<ExitStatus> exit)
            implements ContainerProcess {}

    private final Path shimBinary;
    private final Path stateRoot;
    private final CgroupDriver cgroups;
    private ExitWatcher exitWatcher; // started on first use: commands that never wait need no thread
    private volatile LaunchTimings lastLaunch;
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

    private synchronized ExitWatcher exitWatcher() {
        if (exitWatcher == null) exitWatcher = new ExitWatcher();
        return exitWatcher;
    }

    /** Stops watching for exits (futures not yet complete stay so); containers keep running. */
    @Override
    public synchronized void close() {
        if (exitWatcher == null) return;
        try {
            exitWatcher.close();
        } catch (IOException e) {
            throw new UncheckedIOException("close the exit watcher", e);
        }
        exitWatcher = null;
    }

    /** Where the time of this runtime's last successful start went; null before the first. */
    public LaunchTimings lastLaunchTimings() {
        return lastLaunch;
    }

    public CgroupVersion cgroupVersion() {
        return cgroups.version();
    }

    /**
     * Starts the container and returns once its process has exec'd; on failure nothing is left behind. Its output
     * goes to {@code io}'s log, its input and terminal size come through {@link #openControl}; a terminal is
     * allocated when the spec's process asks for one.
     */
    public ContainerProcess start(String id, Spec spec, List<RootfsMount> rootfsMounts, ProcessIo io) throws StartFailure {
        return launch(id, spec, rootfsMounts, relayed(stateDir(id), io), false);
    }

    /** {@link #start(String, Spec, List, ProcessIo)} with output logged unbounded to {@code jsonLogFile} and no stdin. */
    public ContainerProcess start(String id, Spec spec, List<RootfsMount> rootfsMounts, Path jsonLogFile) throws StartFailure {
        return start(id, spec, rootfsMounts, ProcessIo.logTo(jsonLogFile));
    }

    /**
     * OCI create: sets the container up completely and leaves its process waiting just before execve until
     * {@link #startCreated}; stdio as with {@link #start(String, Spec, List, ProcessIo)}.
     */
    public ContainerProcess create(String id, Spec spec, List<RootfsMount> rootfsMounts, ProcessIo io) throws StartFailure {
        return launch(id, spec, rootfsMounts, relayed(stateDir(id), io), true);
    }

    /** OCI create with output logged to {@code jsonLogFile}, or with null, this JVM's stdio inherited. */
    public ContainerProcess create(String id, Spec spec, List<RootfsMount> rootfsMounts, Path jsonLogFile) throws StartFailure {
        return jsonLogFile == null ? createWithInheritedStdio(id, spec, rootfsMounts, null)
                : create(id, spec, rootfsMounts, ProcessIo.logTo(jsonLogFile));
    }

    /**
     * OCI create for a standalone runtime: the container inherits this JVM's stdin, stdout and stderr (its caller
     * owns them), or with a terminal, the pty master goes to {@code consoleSocket} (runc's --console-socket).
     */
    public ContainerProcess createWithInheritedStdio(String id, Spec spec, List<RootfsMount> rootfsMounts, Path consoleSocket)
            throws StartFailure {
        return launch(id, spec, rootfsMounts, new StdioPlan.Inherited(consoleSocket), true);
    }

    /** Runs the container with this JVM's stdio (a standalone runtime's foreground run); returns once it has exec'd. */
    public ContainerProcess startWithInheritedStdio(String id, Spec spec, List<RootfsMount> rootfsMounts) throws StartFailure {
        return startWithInheritedStdio(id, spec, rootfsMounts, null);
    }

    /** As {@link #createWithInheritedStdio}, then started: a standalone runtime's run. */
    public ContainerProcess startWithInheritedStdio(String id, Spec spec, List<RootfsMount> rootfsMounts, Path consoleSocket)
            throws StartFailure {
        return launch(id, spec, rootfsMounts, new StdioPlan.Inherited(consoleSocket), false);
    }

    /** Output and input relayed by the monitor, which listens for control clients at a short path of its own. */
    private StdioPlan relayed(Path dir, ProcessIo io) {
        return new StdioPlan.Relayed(Objects.requireNonNull(io, "io"), controlSocket(dir));
    }

    /**
     * The control socket of the process whose state is in {@code dir}: a unix socket path is limited to 107 bytes,
     * so it is named by a hash in {@code <stateRoot>/s/}, not placed in the (possibly deep) state directory.
     */
    private Path controlSocket(Path dir) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(dir.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        Path socket = stateRoot.resolve("s").resolve(HexFormat.of().formatHex(digest).substring(0, 24));
        int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_SOCKET_PATH)
            throw new InvalidArgumentException("control socket path " + socket + " is " + length + " bytes, over the "
                    + MAX_SOCKET_PATH + " a unix socket address holds: choose a shorter state root than " + stateRoot);
        return socket;
    }

    /** A connection to the running container's monitor: its stdin and terminal size. */
    public ControlChannel openControl(String id) {
        boolean running = find(id).filter(p -> !p.exit().isDone()).isPresent();
        return connectControl(running, stateDir(id), "container " + id);
    }

    /** A connection to the monitor of a running exec: its stdin and terminal size. */
    public ControlChannel openExecControl(String id, String execId) {
        Path execDir = execDir(id, execId);
        boolean running = Files.isDirectory(execDir) && !Files.exists(execDir.resolve(ExitWatcher.EXIT_FILE));
        return connectControl(running, execDir, "exec " + execId + " of container " + id);
    }

    private ControlChannel connectControl(boolean running, Path dir, String what) {
        Path socket = controlSocket(dir);
        if (running && Files.exists(socket)) {
            try {
                return ControlChannel.connect(socket);
            } catch (IOException e) {
                // the monitor has exited (it unlinks the socket, unless it was killed)
            }
        }
        throw new NotFoundException(what + " has no control socket");
    }

    /** OCI start: lets a created container's process exec. */
    public void startCreated(String id) {
        Path stateDir = stateDir(id);
        if (status(id) != ContainerStatus.CREATED) throw new ConflictException("cannot start container " + id + ": it is not in the created state");
        try {
            ContainerState state = ContainerState.read(stateDir);
            Syscalls.kill(state.monitorPid(), SIGUSR1);
            state.started().write(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("start container " + id, e);
        }
    }

    /** Where a container is in the OCI lifecycle; empty when the runtime does not know it. */
    public Optional<ContainerStatus> statusOf(String id) {
        Optional<ContainerProcess> process = find(id);
        if (process.isEmpty()) return Optional.empty();
        if (process.get().exit().isDone()) return Optional.of(ContainerStatus.STOPPED);
        try {
            return Optional.of(ContainerState.read(stateDir(id)).awaitingStart() ? ContainerStatus.CREATED : ContainerStatus.RUNNING);
        } catch (IOException e) {
            throw new UncheckedIOException("read state of container " + id, e);
        }
    }

    private ContainerStatus status(String id) {
        return statusOf(id).orElseThrow(() -> new NotFoundException("No such container: " + id));
    }

    private ContainerProcess launch(String id, Spec spec, List<RootfsMount> rootfsMounts, StdioPlan stdio, boolean waitForStart)
            throws StartFailure {
        Path stateDir = stateDir(id);
        try {
            Files.createDirectory(stateDir);
        } catch (FileAlreadyExistsException e) {
            throw new ConflictException("container " + id + " already exists in the runtime");
        } catch (IOException e) {
            throw new StartFailure("state", "create state directory " + stateDir + ": " + e.getMessage(), e);
        }
        String cgroupsPath = spec.linux() != null && spec.linux().cgroupsPath() != null ? spec.linux().cgroupsPath() : "berth/" + id;
        boolean inheritStdio = stdio instanceof StdioPlan.Inherited;
        Path logFile = stdio instanceof StdioPlan.Relayed(ProcessIo io, _) ? io.jsonLogFile() : null;
        boolean logExisted = logFile == null || Files.exists(logFile);
        try {
            long begin = System.nanoTime();
            List<Path> procs;
            try {
                procs = cgroups.create(cgroupsPath, spec.linux() == null ? null : spec.linux().resources());
            } catch (IOException e) {
                throw new StartFailure("cgroup", "create cgroup " + cgroupsPath + ": " + e.getMessage(), e);
            }
            long cgroupDone = System.nanoTime();
            byte[] plan = new PlanBuilder(spec, rootfsMounts, procs, stdio, stateDir.resolve(ExitWatcher.EXIT_FILE))
                    .cgroupHierarchies(cgroups.hierarchyMounts(cgroupsPath)).oomEventsFile(cgroups.oomEventsFile(cgroupsPath))
                    .waitForStart(waitForStart).build().toBytes();
            Files.write(stateDir.resolve(PLAN_FILE), plan);
            if (stdio instanceof StdioPlan.Relayed(_, Path socket) && socket != null) Files.createDirectories(socket.getParent());
            long planDone = System.nanoTime();
            ShimReport report = runShim(stateDir, inheritStdio);
            lastLaunch = new LaunchTimings(cgroupDone - begin, planDone - cgroupDone, System.nanoTime() - planDone);
            Instant startedAt = Instant.now();
            new ContainerState(report.pid(), report.monitorPid(), startedAt.toString(), cgroupsPath, waitForStart).write(stateDir);
            Running running = new Running(id, report.pid(), startedAt, exitWatcher().watch(stateDir));
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

    /**
     * Runs the shim's foreground process, which exits as soon as the container has exec'd (or is created) or
     * failed. A container that inherits stdio gets this JVM's; the shim then reports in a file.
     */
    private ShimReport runShim(Path stateDir, boolean inheritStdio) throws StartFailure {
        Path plan = stateDir.resolve(PLAN_FILE), reportFile = stateDir.resolve(REPORT_FILE);
        java.lang.Process shim;
        String output;
        try {
            if (inheritStdio) {
                shim = new ProcessBuilder(shimBinary.toString(), plan.toString(), reportFile.toString()).inheritIO().start();
                waitFor(shim);
                output = Files.exists(reportFile) ? Files.readString(reportFile).strip() : "";
                Files.deleteIfExists(reportFile);
            } else {
                shim = new ProcessBuilder(shimBinary.toString(), plan.toString()).redirectErrorStream(true).start();
                output = new String(shim.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                waitFor(shim);
            }
        } catch (IOException e) {
            throw new StartFailure("shim", "run " + shimBinary + ": " + e.getMessage(), e);
        }
        String[] words = output.split(" ", 3);
        if (words.length == 3 && (words[0].equals("started") || words[0].equals("created"))) {
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

    private static void waitFor(java.lang.Process shim) throws StartFailure {
        try {
            shim.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("shim", "interrupted while starting the container", e);
        }
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
            else if (monitorAlive(state.monitorPid(), stateDir)) exit = exitWatcher().watch(stateDir);
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

    /**
     * Runs {@code process} in the running container {@code id} (its namespaces, cgroups and the seccomp filter of
     * {@code containerSpec}) and returns once it has exec'd. Its output goes to {@code io}'s log (none: discarded), its
     * input and terminal size come through {@link #openExecControl}; a terminal is allocated when {@code process} asks
     * for one. State lives in {@code <state>/<id>/exec-<execId>/} until {@link #deleteExec} or the container's delete.
     */
    public ContainerProcess exec(String id, String execId, Spec containerSpec, io.berth.oci.runtime.Process process, ProcessIo io)
            throws StartFailure {
        return execWith(id, execId, containerSpec, process, dir -> relayed(dir, io));
    }

    /** As {@link #exec(String, String, Spec, io.berth.oci.runtime.Process, ProcessIo)}; with a null log, this JVM's stdio. */
    public ContainerProcess exec(String id, String execId, Spec containerSpec, io.berth.oci.runtime.Process process, Path jsonLogFile)
            throws StartFailure {
        return jsonLogFile == null ? execWithInheritedStdio(id, execId, containerSpec, process, null)
                : exec(id, execId, containerSpec, process, ProcessIo.logTo(jsonLogFile));
    }

    /** An exec for a standalone runtime: this JVM's stdio, or with a terminal, its pty master sent to {@code consoleSocket}. */
    public ContainerProcess execWithInheritedStdio(String id, String execId, Spec containerSpec, io.berth.oci.runtime.Process process,
                                                   Path consoleSocket) throws StartFailure {
        return execWith(id, execId, containerSpec, process, dir -> new StdioPlan.Inherited(consoleSocket));
    }

    private ContainerProcess execWith(String id, String execId, Spec containerSpec, io.berth.oci.runtime.Process process,
                                      java.util.function.Function<Path, StdioPlan> stdioFor) throws StartFailure {
        ContainerProcess container = find(id).filter(p -> !p.exit().isDone())
                .orElseThrow(() -> new ConflictException("cannot exec in container " + id + ": it is not running"));
        Path execDir = execDir(id, execId);
        StdioPlan stdio = stdioFor.apply(execDir);
        try {
            Files.createDirectory(execDir);
        } catch (FileAlreadyExistsException e) {
            throw new ConflictException("exec " + execId + " already exists in container " + id);
        } catch (IOException e) {
            throw new StartFailure("state", "create exec directory " + execDir + ": " + e.getMessage(), e);
        }
        try {
            String cgroupsPath = ContainerState.read(stateDir(id)).cgroupsPath();
            List<Path> procs = cgroups.hierarchyMounts(cgroupsPath).stream().map(h -> h.hostDirectory().resolve("cgroup.procs")).toList();
            Files.write(execDir.resolve(PLAN_FILE), PlanBuilder.execPlan(containerSpec, process, container.pid(), procs, stdio,
                    execDir.resolve(ExitWatcher.EXIT_FILE)).toBytes());
            if (stdio instanceof StdioPlan.Relayed(_, Path socket)) Files.createDirectories(socket.getParent());
            ShimReport report = runShim(execDir, stdio instanceof StdioPlan.Inherited);
            return new Running(id + "/" + execId, report.pid(), Instant.now(), exitWatcher().watch(execDir));
        } catch (StartFailure | RuntimeException e) {
            discardExec(execDir, e);
            throw e;
        } catch (IOException e) {
            discardExec(execDir, e);
            throw new StartFailure("state", "exec in container " + id + ": " + e.getMessage(), e);
        }
    }

    /** Removes the state of an exec that has exited. */
    public void deleteExec(String id, String execId) {
        try {
            Files.deleteIfExists(controlSocket(execDir(id, execId))); // left only by a monitor that was killed
            deleteTree(execDir(id, execId));
        } catch (IOException e) {
            throw new UncheckedIOException("delete exec " + execId + " of container " + id, e);
        }
    }

    private Path execDir(String id, String execId) {
        if (execId == null || !ID.matcher(execId).matches()) throw new InvalidArgumentException("invalid exec id: " + execId);
        return stateDir(id).resolve("exec-" + execId);
    }

    private void discardExec(Path execDir, Exception failure) {
        try {
            Files.deleteIfExists(controlSocket(execDir));
            deleteTree(execDir);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Freezes every process of a running container (docker pause). */
    public void pause(String id) {
        freeze(id, true);
    }

    /** Thaws a paused container (docker unpause). */
    public void resume(String id) {
        freeze(id, false);
    }

    private void freeze(String id, boolean frozen) {
        String cgroupsPath = runningCgroup(id, frozen ? "pause" : "resume");
        try {
            cgroups.freeze(cgroupsPath, frozen);
        } catch (IOException e) {
            throw new UncheckedIOException((frozen ? "pause" : "resume") + " container " + id, e);
        }
    }

    /** Host pids of every process in the container's cgroup, pid 1 included. */
    public List<Integer> processes(String id) {
        String cgroupsPath = runningCgroup(id, "list processes of");
        try {
            return cgroups.processes(cgroupsPath);
        } catch (IOException e) {
            throw new UncheckedIOException("list processes of container " + id, e);
        }
    }

    /** Memory, CPU and process counts of a running container, read from its cgroup now. */
    public CgroupStats stats(String id) {
        String cgroupsPath = runningCgroup(id, "read stats of");
        try {
            return cgroups.stats(cgroupsPath);
        } catch (IOException e) {
            throw new UncheckedIOException("read stats of container " + id, e);
        }
    }

    /** Changes the limits of a running container; fields left null keep their value. */
    public void update(String id, LinuxResources resources) {
        String cgroupsPath = runningCgroup(id, "update");
        try {
            cgroups.update(cgroupsPath, resources);
        } catch (IOException e) {
            throw new InvalidArgumentException("cannot update container " + id + ": " + e.getMessage());
        }
    }

    /** The cgroup of a running container, or ConflictException naming {@code operation}. */
    private String runningCgroup(String id, String operation) {
        ContainerProcess process = find(id).orElseThrow(() -> new NotFoundException("No such container: " + id));
        if (process.exit().isDone()) throw new ConflictException("cannot " + operation + " container " + id + ": it is not running");
        try {
            return ContainerState.read(stateDir(id)).cgroupsPath();
        } catch (IOException e) {
            throw new UncheckedIOException("read state of container " + id, e);
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
            try (Stream<Path> execs = Files.list(stateDir)) {
                for (Path exec : execs.filter(p -> p.getFileName().toString().startsWith("exec-")).toList())
                    Files.deleteIfExists(controlSocket(exec));
            }
            Files.deleteIfExists(controlSocket(stateDir)); // left only by a monitor that was killed
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
            Files.deleteIfExists(controlSocket(stateDir));
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
