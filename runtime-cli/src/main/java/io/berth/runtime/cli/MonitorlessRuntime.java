package io.berth.runtime.cli;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.linux.Errno;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.LaunchTimings;
import io.berth.runtime.StartFailure;
import io.berth.runtime.cgroup.CgroupDriver;
import io.berth.runtime.cgroup.HierarchyMount;
import io.berth.runtime.json.Json;
import io.berth.runtime.plan.Plan;
import io.berth.runtime.plan.PlanBuilder;
import io.berth.runtime.plan.StdioPlan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The runtime as runc is: berth-shim runs with --no-monitor, so once a container (or an exec) is reported nothing of
 * Berth stays with it; its pid 1 is re-parented to the caller's subreaper (containerd's shim), which reaps it; for a
 * foreground run or exec the shim stays as that subreaper (--wait). No exit file exists: a container is stopped once
 * its pid 1 is gone, a zombie or a recycled pid.
 * A created container waits on {@code <root>/<id>/start}, a fifo `start` writes to. berthd instead uses
 * {@link io.berth.runtime.ContainerRuntime} in-process, whose monitors log output and record exits.
 */
final class MonitorlessRuntime {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,1023}");
    private static final String START_FIFO = "start";
    /** Where a waiting shim takes a foreground process's pty master to relay it (see Shim.start). */
    private static final String RELAYED_CONSOLE = "console.sock";

    private final Path shimBinary;
    private final Path root;
    private CgroupDriver cgroups; // detected on first use: `state` needs none
    private LaunchTimings lastLaunch;

    MonitorlessRuntime(Path shim, Path root) {
        this.shimBinary = shim.toAbsolutePath();
        this.root = root.toAbsolutePath();
    }

    private CgroupDriver cgroups() {
        if (cgroups == null) {
            try {
                cgroups = CgroupDriver.detect();
            } catch (IOException e) {
                throw new UncheckedIOException("detect the cgroup hierarchy", e);
            }
        }
        return cgroups;
    }

    /** Where the time of the last create went. */
    LaunchTimings lastLaunchTimings() {
        return lastLaunch;
    }

    /** Called with the shim of a foreground process as soon as it runs: signals for the container go to it. */
    interface ShimWatcher {
        void started(long shimPid);
    }

    /**
     * Creates the bundle's container with this process's stdio (or with a terminal, the pty master sent to
     * {@code consoleSocket}); with {@code waitForStart} its process stops before execve until {@link #start}.
     * On failure nothing is left behind.
     */
    OciState create(String id, Bundle bundle, Path consoleSocket, boolean waitForStart) throws StartFailure, IOException {
        return launch(id, bundle, consoleSocket, waitForStart, null).state();
    }

    /**
     * Runs the bundle's container in the foreground: the shim stays, passes signals it gets on to pid 1 and exits
     * with its status, which is returned once {@code started} has had the running container's record.
     */
    int runInForeground(String id, Bundle bundle, ShimWatcher watcher, java.util.function.Consumer<OciState> started)
            throws StartFailure, IOException {
        boolean terminal = bundle.spec().process() != null && Boolean.TRUE.equals(bundle.spec().process().terminal());
        // with a terminal, the waiting shim takes the pty master on a socket of its own and relays this process's stdio
        Launch launch = launch(id, bundle, terminal ? stateDir(id).resolve(RELAYED_CONSOLE) : null, false, watcher);
        started.accept(launch.state());
        return launch.shim().exitCode();
    }

    private record Launch(OciState state, Shim shim) {}

    private Launch launch(String id, Bundle bundle, Path consoleSocket, boolean waitForStart, ShimWatcher foreground)
            throws StartFailure, IOException {
        Path dir = stateDir(id);
        Files.createDirectories(root);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new ConflictException("container with id exists: " + id);
        }
        Spec spec = bundle.spec();
        // prestart and createRuntime hooks run while the process waits before execve, as with create
        boolean held = waitForStart || !bundle.hooks().beforeStart().isEmpty();
        String cgroupsPath = spec.linux() != null && spec.linux().cgroupsPath() != null ? spec.linux().cgroupsPath() : "berth/" + id;
        java.util.concurrent.CompletableFuture<Void> cgroupCreation = null;
        try {
            long begin = System.nanoTime();
            // the cgroup's mkdirs and limit writes (system calls) go on beside the plan's building (CPU): two cores here
            List<HierarchyMount> hierarchies = cgroups().hierarchyMounts(cgroupsPath);
            cgroupCreation = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    cgroups().create(cgroupsPath, spec.linux() == null ? null : spec.linux().resources());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, task -> Thread.ofPlatform().name("cgroup-create").start(task));
            Plan plan = new PlanBuilder(spec, List.of(), procsFiles(hierarchies), new StdioPlan.Inherited(consoleSocket), dir.resolve("exit"))
                    .cgroupHierarchies(hierarchies).waitForStart(held).build();
            long planDone = System.nanoTime();
            try {
                cgroupCreation.join();
            } catch (java.util.concurrent.CompletionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException io ? io.getCause() : e.getCause();
                throw new StartFailure("cgroup", "create cgroup " + cgroupsPath + ": " + cause.getMessage(), cause);
            }
            long cgroupDone = System.nanoTime();
            Shim shim = Shim.start(shimBinary, dir, "", plan, held ? dir.resolve(START_FIFO) : null, foreground != null,
                    foreground != null ? consoleSocket : null);
            if (foreground != null) foreground.started(shim.pid());
            int pid = shim.awaitReport();
            lastLaunch = new LaunchTimings(cgroupDone - planDone, planDone - begin, System.nanoTime() - cgroupDone);
            String version = spec.ociVersion() == null ? Spec.VERSION : spec.ociVersion();
            OciState state = new OciState(version, id, pid, held ? "created" : "running", bundle.directory().toString(),
                    bundle.rootfs().toString(), Instant.now().toString(), spec.annotations(), cgroupsPath,
                    ProcessStat.of(pid).map(ProcessStat::startTime).orElse(-1L));
            state.write(dir);
            try {
                Hooks.run(bundle.hooks().prestart(), "prestart", Json.write(state.toJson(), false));
                Hooks.run(bundle.hooks().createRuntime(), "createRuntime", Json.write(state.toJson(), false));
            } catch (IOException e) {
                throw new StartFailure("hook", e.getMessage(), e);
            }
            if (held && !waitForStart) state = release(state, bundle.hooks());
            return new Launch(state, shim);
        } catch (StartFailure | IOException | RuntimeException e) {
            try {
                // a plan refused while the cgroup is being made: removed before the mkdirs are done, parts would stay
                if (cgroupCreation != null) cgroupCreation.exceptionally(failure -> null).join();
                killAll(cgroupsPath, id); // a failed hook leaves a created process behind
                cgroups().remove(cgroupsPath);
                deleteTree(dir);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** OCI start: the created process execs. */
    void start(String id) throws IOException {
        OciState state = read(id);
        if (status(state) != ContainerStatus.CREATED) throw new ConflictException("cannot start a container that is not created: " + id);
        release(state, Hooks.ofBundle(Path.of(state.bundle())));
    }

    /** Lets the created process exec, then runs the poststart hooks (whose failure is only reported, as runc does). */
    private OciState release(OciState created, Hooks hooks) throws IOException {
        Path dir = stateDir(created.id());
        // read-write, the open never blocks (a write-only open would, were the process gone); the byte releases it
        try (java.io.RandomAccessFile fifo = new java.io.RandomAccessFile(dir.resolve(START_FIFO).toFile(), "rw")) {
            fifo.write('s');
        }
        Files.deleteIfExists(dir.resolve(START_FIFO));
        OciState running = created.withStatus("running");
        running.write(dir);
        runReportingFailure(hooks.poststart(), "poststart", running);
        return running;
    }

    private static void runReportingFailure(List<Hooks.Hook> hooks, String phase, OciState state) {
        try {
            Hooks.run(hooks, phase, Json.write(state.toJson(), false));
        } catch (IOException e) {
            System.err.println("berth-runtime: warning: " + e.getMessage());
        }
    }

    /** The container's record with its status as its pid 1 shows it now; "paused" while its cgroup is frozen, as runc says. */
    OciState state(String id) throws IOException {
        OciState state = read(id);
        ContainerStatus status = status(state);
        if (status == ContainerStatus.RUNNING && cgroups().frozen(state.cgroupsPath())) return state.withStatus("paused");
        return state.withStatus(status.ociName());
    }

    private OciState read(String id) throws IOException {
        try {
            return OciState.read(stateDir(id));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("container \"" + id + "\" does not exist");
        }
    }

    /** Stopped once pid 1 is gone, a zombie, or another process under a recycled pid. */
    private static ContainerStatus status(OciState state) {
        Optional<ProcessStat> stat = ProcessStat.of(state.pid());
        if (stat.isEmpty() || stat.get().zombie() || stat.get().startTime() != state.pidStartTime()) return ContainerStatus.STOPPED;
        return "created".equals(state.status()) ? ContainerStatus.CREATED : ContainerStatus.RUNNING;
    }

    /** Sends {@code signal} to pid 1, or with {@code all} to every process of the container's cgroup. */
    void kill(String id, int signal, boolean all) throws IOException {
        OciState state = read(id);
        if (status(state) == ContainerStatus.STOPPED) throw new ConflictException("container " + id + " is not running");
        for (int pid : all ? cgroups().processes(state.cgroupsPath()) : List.of(state.pid())) {
            try {
                Syscalls.kill(pid, signal);
            } catch (LinuxException e) {
                if (e.errno() != Errno.ESRCH) throw e; // it exited meanwhile
            }
        }
    }

    /**
     * Removes the container: with {@code force}, or when it is only created (nothing of its own ran yet, as runc
     * allows), its processes are killed first; a running one is refused otherwise. What is left in its cgroup
     * (processes of a container without a pid namespace of its own) is killed too, so the cgroup can go.
     */
    void delete(String id, boolean force) throws IOException {
        OciState state;
        try {
            state = read(id);
        } catch (NotFoundException e) {
            if (force && !Files.exists(stateDir(id))) return;
            throw e;
        }
        ContainerStatus status = status(state);
        if (status == ContainerStatus.RUNNING && !force)
            throw new ConflictException("cannot delete container " + id + " that is not stopped: use --force");
        killAll(state.cgroupsPath(), id);
        cgroups().remove(state.cgroupsPath());
        runReportingFailure(Hooks.ofBundle(Path.of(state.bundle())).poststop(), "poststop", state.withStatus("stopped"));
        deleteTree(stateDir(id));
    }

    /** SIGKILL to whatever is in the cgroup; returns once it is empty (a zombie has left it: its reaper is the caller's). */
    private void killAll(String cgroupsPath, String id) throws IOException {
        List<Integer> left;
        try {
            left = cgroups().processes(cgroupsPath);
        } catch (NoSuchFileException e) {
            return; // never created
        }
        if (left.isEmpty()) return;
        for (int pid : left) {
            try {
                Syscalls.kill(pid, 9);
            } catch (LinuxException e) {
                // it exited meanwhile
            }
        }
        CgroupDriver.awaitState("the processes of container " + id + " to exit", () -> cgroups().processes(cgroupsPath).isEmpty());
    }

    /**
     * Starts {@code process} in the running container {@code id} with this process's stdio (or its pty master sent
     * to {@code consoleSocket}). Detached (null {@code foreground}), returns its host pid once it has exec'd; else the
     * shim waits for it, forwarding signals, and its exit status is returned.
     */
    int exec(String id, Process process, Path consoleSocket, ShimWatcher foreground, java.util.function.IntConsumer started)
            throws StartFailure, IOException {
        OciState state = read(id);
        if (status(state) == ContainerStatus.STOPPED) throw new ConflictException("cannot exec in a stopped container: " + id);
        Spec container = Bundle.load(Path.of(state.bundle())).spec();
        List<Path> procs = procsFiles(cgroups().hierarchyMounts(state.cgroupsPath()));
        Path dir = stateDir(id);
        String name = "exec-" + Long.toHexString(System.nanoTime()) + "-";
        if (foreground != null && Boolean.TRUE.equals(process.terminal())) consoleSocket = dir.resolve(name + RELAYED_CONSOLE);
        Plan plan = PlanBuilder.execPlan(container, process, state.pid(), procs, new StdioPlan.Inherited(consoleSocket), dir.resolve(name + "exit"));
        Shim shim = Shim.start(shimBinary, dir, name, plan, null, foreground != null, foreground != null ? consoleSocket : null);
        if (foreground != null) foreground.started(shim.pid());
        int pid = shim.awaitReport();
        started.accept(pid);
        return foreground == null ? pid : shim.exitCode();
    }

    void freeze(String id, boolean frozen) throws IOException {
        OciState state = read(id);
        if (status(state) == ContainerStatus.STOPPED) throw new ConflictException("container " + id + " is not running");
        cgroups().freeze(state.cgroupsPath(), frozen);
    }

    /** Host pids of every process in the container's cgroup. */
    List<Integer> processes(String id) throws IOException {
        return cgroups().processes(read(id).cgroupsPath());
    }

    /** The cgroup.procs files of the container's cgroup, one per hierarchy: the shim writes pid 1 into each. */
    private static List<Path> procsFiles(List<HierarchyMount> hierarchies) {
        return hierarchies.stream().map(h -> h.hostDirectory().resolve("cgroup.procs")).toList();
    }

    private Path stateDir(String id) {
        if (id == null || !ID.matcher(id).matches()) throw new InvalidArgumentException("invalid container id: " + id);
        return root.resolve(id);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
