package io.berth.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerEvents;
import io.berth.engine.container.ContainerFiles;
import io.berth.engine.container.ContainerSpec;
import io.berth.engine.container.ContainerState;
import io.berth.engine.container.CreateRequest;
import io.berth.engine.container.ExitResult;
import io.berth.engine.container.NameGenerator;
import io.berth.engine.container.HostSpec;
import io.berth.engine.container.OciSpecBuilder;
import io.berth.engine.container.ResourceRules;
import io.berth.engine.container.Resources;
import io.berth.engine.container.Signals;
import io.berth.engine.container.WaitCondition;
import io.berth.engine.container.UserResolver;
import io.berth.engine.exec.ExecRequest;
import io.berth.engine.exec.ExecSession;
import io.berth.engine.logs.JsonLogReader;
import io.berth.engine.logs.LogConfig;
import io.berth.engine.security.SecurityPolicy;
import io.berth.engine.userns.ContainerIdsView;
import io.berth.engine.userns.UsernsRemap;
import io.berth.engine.stats.ProcessTable;
import io.berth.engine.stats.ResourceSample;
import io.berth.engine.logs.LogOptions;
import io.berth.engine.logs.LogSink;
import io.berth.engine.state.ContainerStore;
import io.berth.engine.system.HostFacts;
import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.image.Image;
import io.berth.image.ImageService;
import io.berth.image.CommitOptions;
import io.berth.image.layer.UpperDir;
import io.berth.engine.image.CommitRequest;
import io.berth.engine.image.ConfigChanges;
import io.berth.engine.image.ContainerExport;
import io.berth.engine.image.DirectorySize;
import io.berth.engine.image.DiskUsage;
import io.berth.engine.image.RuntimeMountPoints;
import io.berth.oci.Digest;
import io.berth.oci.reference.ImageReference;
import io.berth.image.registry.Credentials;
import io.berth.image.registry.Endpoint;
import io.berth.image.registry.RegistryClient;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import io.berth.oci.image.ImageConfig;
import io.berth.runtime.ContainerProcess;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.LogRotation;
import io.berth.runtime.ProcessIo;
import io.berth.runtime.stdio.ControlChannel;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.RootfsMount;
import io.berth.runtime.plan.PlanBuilder;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.runtime.StartFailure;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The container engine: containers recorded in SQLite, run by the runtime on images from the image
 * store. Every operation on one container holds that container's lock (its {@link ContainerEvents}),
 * so create/start/exit/remove never interleave; waits and attach streams hold futures instead of polling.
 */
public final class Engine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.berth.engine");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");
    private static final int DEFAULT_STOP_TIMEOUT_SECONDS = 10;
    private static final Duration EXITED_EXEC_KEPT = Duration.ofMinutes(5);
    /** Docker's exit codes for a command that could not be run. */
    private static final int EXIT_NOT_FOUND = 127, EXIT_NOT_EXECUTABLE = 126, EXIT_UNKNOWN = 128, EXIT_LOST = 255;

    private static final ObjectMapper SPEC_JSON = new ObjectMapper();

    private final EngineConfig config;
    private final ContainerStore store;
    private final ImageService images;
    private final ContainerRuntime runtime;
    private final HostFacts host = HostFacts.read();
    private final SecurityPolicy security = new SecurityPolicy();
    private final ResourceRules resourceRules = new ResourceRules(HostFacts.onlineCpus());
    private final Map<String, ContainerEvents> events = new ConcurrentHashMap<>();
    /** Exec instances live in memory only, as in dockerd; removed with their container. */
    private final Map<String, ExecSession> execs = new ConcurrentHashMap<>();
    /** The spec of each running container, so that an exec does not parse config.json again; dropped at exit. */
    private final Map<String, Spec> runningSpecs = new ConcurrentHashMap<>();
    private final NameGenerator names = new NameGenerator();
    private final SecureRandom random = new SecureRandom();
    /** Set by close: exits seen afterwards belong to the next engine on this data root (live restore). */
    private volatile boolean closed;

    private Engine(EngineConfig config, ContainerStore store, ImageService images, ContainerRuntime runtime) {
        this.config = config;
        this.store = store;
        this.images = images;
        this.runtime = runtime;
    }

    /** Opens the state under the data root and reconciles containers recorded as running with the runtime. */
    public static Engine open(EngineConfig config) throws IOException {
        Files.createDirectories(config.dataRoot().resolve("containers"));
        Files.createDirectories(config.dataRoot().resolve("overlay"));
        Files.createDirectories(config.execRoot());
        if (config.usernsRemap() != null) {
            config.usernsRemap().checkReachable(config.dataRoot().resolve("containers"));
            config.usernsRemap().checkReachable(config.dataRoot().resolve("overlay"));
        }
        ContainerStore store = ContainerStore.open(config.dataRoot().resolve("engine.db"));
        ImageService images = new ImageService(config.dataRoot().resolve("image"), config.registries(), config.imageOptions());
        ContainerRuntime runtime = new ContainerRuntime(config.shimBinary(), config.execRoot().resolve("runtime"));
        Engine engine = new Engine(config, store, images, runtime);
        engine.reconcile();
        return engine;
    }

    public ImageService images() {
        return images;
    }

    public EngineConfig config() {
        return config;
    }

    public ContainerFiles files(Container c) {
        return ContainerFiles.of(config.dataRoot(), c.id());
    }

    // ---- create ------------------------------------------------------------------------------

    public Container create(CreateRequest request) {
        if (request.image() == null || request.image().isBlank()) {
            throw new InvalidArgumentException("config.Image must not be empty");
        }
        String requestedName = request.name() == null ? "" : request.name().replaceFirst("^/", "");
        if (!requestedName.isEmpty() && !NAME.matcher(requestedName).matches()) {
            throw new InvalidArgumentException("Invalid container name (" + requestedName
                    + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        Image image = images.resolve(request.image());
        String id = newId();
        HostSpec hostSpec = request.host().withResources(resourceRules.forCreate(request.host().resources()));
        hostSpec.logConfig().check();
        ContainerSpec spec = mergeWithImage(request, image.config(), id, hostSpec);
        if (spec.entrypoint().isEmpty() && spec.cmd().isEmpty()) throw new InvalidArgumentException("No command specified");
        ContainerFiles files = ContainerFiles.of(config.dataRoot(), id);
        Container proposed = new Container(id, requestedName, image.id().toString(), request.image(), spec, hostSpec,
                Instant.now(), ContainerState.CREATED, 0, 0, null, null, "", false);
        new OciSpecBuilder(proposed, files, images.layerDirs(image), security, this::resolve, config.usernsRemap()).check();
        for (int attempt = 0; ; attempt++) {
            String name = requestedName.isEmpty() ? names.next(attempt) : requestedName;
            Container c = new Container(id, name, image.id().toString(), request.image(), spec, hostSpec,
                    Instant.now(), ContainerState.CREATED, 0, 0, null, null, "", false);
            try {
                files.create(spec.hostname(), Path.of("/etc/resolv.conf"));
                if (hostSpec.hostNetwork()) files.shareHostNetworkFiles(Path.of("/etc/hosts"), Path.of("/etc/resolv.conf"));
            } catch (IOException e) {
                deleteQuietly(files);
                throw new UncheckedIOException("cannot create the files of container " + id + ": " + e.getMessage(), e);
            }
            events.put(id, new ContainerEvents());
            if (store.insert(c)) {
                LOG.log(System.Logger.Level.INFO, "container {0} created as {1}", id, name);
                return c;
            }
            events.remove(id);
            deleteQuietly(files);
            if (!requestedName.isEmpty()) {
                String holder = store.byName(name).map(Container::id).orElse("");
                throw new ConflictException("Conflict. The container name \"/" + name + "\" is already in use by container \""
                        + holder + "\". You have to remove (or rename) that container to be able to reuse that name.");
            }
        }
    }

    /** Docker's create-time merge: request values win, the image fills the gaps. */
    private ContainerSpec mergeWithImage(CreateRequest r, ImageConfig imageConfig, String id, HostSpec hostSpec) {
        ImageConfig.ContainerConfig ic = imageConfig.config() != null ? imageConfig.config()
                : new ImageConfig.ContainerConfig(null, null, null, null, null, null, null, null, null);
        List<String> entrypoint;
        List<String> cmd;
        if (r.entrypoint() != null) {
            // An explicit entrypoint drops the image's Cmd too; [""] means "no entrypoint".
            entrypoint = r.entrypoint().size() == 1 && r.entrypoint().getFirst().isEmpty() ? List.of() : r.entrypoint();
            cmd = r.cmd() != null ? r.cmd() : List.of();
        } else {
            entrypoint = ic.entrypoint() != null ? ic.entrypoint() : List.of();
            cmd = r.cmd() != null && !r.cmd().isEmpty() ? r.cmd() : (ic.cmd() != null ? ic.cmd() : List.of());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (ic.labels() != null) labels.putAll(ic.labels());
        if (r.labels() != null) labels.putAll(r.labels());
        // Sharing the host's network or UTS namespace means sharing its name too, as docker does.
        boolean hostName = hostSpec.hostNetwork() || hostSpec.isolation().utsMode().equals("host");
        String hostname = r.hostname() != null && !r.hostname().isEmpty() ? r.hostname()
                : hostName ? host.hostname() : id.substring(0, 12);
        return new ContainerSpec(r.image(), entrypoint, cmd, mergeEnv(ic.env(), r.env()),
                nonEmpty(r.workingDir()).orElse(nonEmpty(ic.workingDir()).orElse("")),
                nonEmpty(r.user()).orElse(nonEmpty(ic.user()).orElse("")), hostname, r.domainname(), labels, r.tty(),
                r.openStdin(), r.stdinOnce(), r.attachStdin(), r.attachStdout(), r.attachStderr(),
                nonEmpty(r.stopSignal()).orElse(nonEmpty(ic.stopSignal()).orElse(null)), r.stopTimeout());
    }

    /** Image env first, request env overriding by variable name; PATH defaulted like docker. */
    private static List<String> mergeEnv(List<String> imageEnv, List<String> requestEnv) {
        Map<String, String> merged = new LinkedHashMap<>();
        for (List<String> source : java.util.Arrays.asList(imageEnv, requestEnv)) {
            if (source == null) continue;
            for (String entry : source) merged.put(entry.split("=", 2)[0], entry);
        }
        merged.putIfAbsent("PATH", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        return List.copyOf(merged.values());
    }

    private static Optional<String> nonEmpty(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** 64 hex digits whose 12-digit short form is never all digits (it would read as a number). */
    private String newId() {
        while (true) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            String id = HexFormat.of().formatHex(bytes);
            if (!id.substring(0, 12).chars().allMatch(Character::isDigit) && store.byId(id).isEmpty()) return id;
        }
    }

    // ---- start and exit ----------------------------------------------------------------------

    /** Starts the container; false when it was already running (HTTP 304). */
    public boolean start(String reference) {
        Container c = resolve(reference);
        ContainerEvents ev = eventsOf(c.id());
        synchronized (ev) {
            c = reload(c.id());
            if (c.isRunning()) return false;
            if (c.state() == ContainerState.REMOVING || c.state() == ContainerState.DEAD) {
                throw new ConflictException("cannot start container " + c.id() + ": it is " + c.state().apiName());
            }
            Image image = images.resolve(c.imageId());
            ContainerFiles files = files(c);
            try {
                List<Path> layers = images.layerDirs(image);
                Optional<UsernsRemap> userns = OciSpecBuilder.remapOf(c, config.usernsRemap());
                if (userns.isPresent()) files.handTo(userns.get().rootUid(), userns.get().rootGid());
                var spec = new OciSpecBuilder(c, files, layers, security, this::resolve, config.usernsRemap()).build();
                SPEC_JSON.writeValue(files.ociConfig().toFile(), spec);
                runningSpecs.put(c.id(), spec);
                ContainerProcess process = runtime.start(c.id(), spec, List.of(overlay(files, layers, userns.isPresent())),
                        new ProcessIo(files.logFile(), rotation(c.host().logConfig()), c.spec().openStdin()));
                Container running = c.running(process.pid(), process.startedAt());
                store.update(running);
                watch(process);
                LOG.log(System.Logger.Level.INFO, "container {0} started, pid {1}", c.id(), String.valueOf(process.pid()));
                return true;
            } catch (StartFailure failure) {
                int code = switch (failure.kind()) {
                    case COMMAND_NOT_FOUND -> EXIT_NOT_FOUND;
                    case PERMISSION_DENIED -> EXIT_NOT_EXECUTABLE;
                    case OTHER -> EXIT_UNKNOWN;
                };
                String message = "failed to create task for container: " + failure.getMessage();
                startFailed(c, ev, code, message);
                throw new InvalidArgumentException(message, failure);
            } catch (IOException e) {
                startFailed(c, ev, EXIT_UNKNOWN, e.getMessage());
                throw new UncheckedIOException("cannot start container " + c.id() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                // e.g. an unknown user: the container must not be left half-started, or waiters would hang.
                startFailed(c, ev, EXIT_UNKNOWN, e.getMessage());
                throw e;
            }
        }
    }

    /**
     * Docker keeps a container whose start failed in "created" with the error and exit code; waits
     * and attach streams registered for this start end with the code, and AutoRemove applies.
     */
    private void startFailed(Container c, ContainerEvents ev, int code, String message) {
        Container failed = c.failedToStart(code, message);
        store.update(failed);
        LOG.log(System.Logger.Level.INFO, "container {0} failed to start: {1}", c.id(), message);
        ev.exited(new ExitResult(code, ""));
        if (c.host().autoRemove()) removeLocked(failed, ev);
    }

    private static LogRotation rotation(LogConfig log) {
        long maxSize = log.maxSize();
        return maxSize < 0 ? null : new LogRotation(maxSize, log.maxFiles());
    }

    /**
     * Overlay's lowerdir lists the top layer first; an image without layers gets an empty lower dir. In a remapped
     * user namespace the layers are mounted id-mapped, so they stay as they are on disk.
     */
    private RootfsMount overlay(ContainerFiles files, List<Path> layersBottomFirst, boolean idmapped) throws IOException {
        List<String> lower = new ArrayList<>();
        for (Path p : layersBottomFirst.reversed()) lower.add(p.toString());
        if (lower.isEmpty()) {
            Path empty = files.layerDir().resolve("empty");
            Files.createDirectories(empty);
            lower.add(empty.toString());
        }
        List<String> options = new ArrayList<>(List.of("lowerdir=" + String.join(":", lower),
                "upperdir=" + files.upperDir(), "workdir=" + files.workDir()));
        if (idmapped) options.add(PlanBuilder.IDMAP_OPTION);
        return new RootfsMount("overlay", "overlay", options);
    }

    /** Records the exit when it happens; on a fresh virtual thread, as the runtime's completing thread is not ours. */
    private void watch(ContainerProcess process) {
        process.exit().whenComplete((status, failure) -> Thread.ofVirtual().start(() -> {
            if (failure == null) exited(process.id(), status.exitCode(), status.finishedAt(), "", status.oomKilled());
            else exited(process.id(), EXIT_LOST, Instant.now(), "container monitor failed: " + failure.getMessage(), false);
        }));
    }

    private void exited(String id, int exitCode, Instant finishedAt, String error, boolean oomKilled) {
        ContainerEvents ev = eventsOf(id);
        synchronized (ev) {
            if (closed) return;
            Optional<Container> current = store.byId(id);
            if (current.isEmpty() || !current.get().isRunning()) return;
            // The monitor stamps the exit; the start is stamped here once the shim has reported, which a
            // process that exits at once can beat: a finish before the start would read as nonsense.
            Instant started = current.get().startedAt();
            Instant finished = started != null && finishedAt.isBefore(started) ? started : finishedAt;
            Container done = current.get().exited(exitCode, finished, error, oomKilled);
            runningSpecs.remove(id);
            store.update(done);
            deleteRuntimeState(id);
            LOG.log(System.Logger.Level.INFO, "container {0} exited with {1}", id, exitCode);
            ev.exited(new ExitResult(exitCode, error));
            if (done.host().autoRemove()) removeLocked(done, ev);
        }
    }

    private void deleteRuntimeState(String id) {
        try {
            runtime.delete(id);
        } catch (NotFoundException alreadyGone) {
            // deleted at exit already, or never started
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete runtime state of container {0}: {1}", id, e.getMessage());
        }
    }

    // ---- wait, stop, kill, remove ------------------------------------------------------------

    /** Registers the wait before returning, so a start that follows cannot be missed. */
    public CompletableFuture<ExitResult> waitFor(String reference, WaitCondition condition) {
        Container c = resolve(reference);
        ContainerEvents ev = eventsOf(c.id());
        synchronized (ev) {
            c = reload(c.id());
            return switch (condition) {
                case NOT_RUNNING -> c.isRunning() ? ev.nextExit()
                        : CompletableFuture.completedFuture(new ExitResult(c.exitCode(), c.error()));
                case NEXT_EXIT -> ev.nextExit();
                case REMOVED -> ev.removed();
            };
        }
    }

    public void kill(String reference, String signal) {
        Container c = resolve(reference);
        int number = Signals.parse(signal, Signals.SIGKILL);
        synchronized (eventsOf(c.id())) {
            c = reload(c.id());
            if (!c.isRunning()) {
                throw new ConflictException("Cannot kill container: " + reference + ": Container " + c.id() + " is not running");
            }
            if (!signal(c.id(), number)) {
                throw new ConflictException("Cannot kill container: " + reference + ": Container " + c.id() + " is not running");
            }
        }
    }

    /** Stops with the stop signal, then SIGKILL after the timeout; false when it was not running (HTTP 304). */
    public boolean stop(String reference, Integer timeoutSeconds) {
        Container c = resolve(reference);
        CompletableFuture<ExitResult> exit;
        synchronized (eventsOf(c.id())) {
            c = reload(c.id());
            if (!c.isRunning()) return false;
            if (c.isPaused()) {
                throw new ConflictException("cannot stop container: " + reference + ": Container " + c.id()
                        + " is paused. Unpause the container before stopping or killing");
            }
            exit = eventsOf(c.id()).nextExit();
            signal(c.id(), Signals.parse(c.spec().stopSignal(), Signals.SIGTERM));
        }
        int timeout = timeoutSeconds != null ? timeoutSeconds
                : c.spec().stopTimeout() != null ? c.spec().stopTimeout() : DEFAULT_STOP_TIMEOUT_SECONDS;
        if (timeout < 0 ? awaitExit(exit, Long.MAX_VALUE) : awaitExit(exit, timeout)) return true;
        killIfRunning(c.id());
        awaitExit(exit, Long.MAX_VALUE);
        return true;
    }

    /** docker restart: stop (if running) with the usual timeout, then start again. */
    public void restart(String reference, Integer timeoutSeconds) {
        stop(reference, timeoutSeconds);
        start(reference);
    }

    private void killIfRunning(String id) {
        synchronized (eventsOf(id)) {
            if (store.byId(id).map(Container::isRunning).orElse(false)) signal(id, Signals.SIGKILL);
        }
    }

    /**
     * Sends a signal; false when the process has already gone (its exit is being recorded), which
     * every caller treats as "not running" rather than as an error.
     */
    private boolean signal(String id, int number) {
        try {
            runtime.kill(id, number);
            return true;
        } catch (NotFoundException exitedMeanwhile) {
            return false;
        }
    }

    private static boolean awaitExit(CompletableFuture<ExitResult> exit, long seconds) {
        try {
            exit.get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a container to exit", e);
        } catch (ExecutionException e) {
            return true;
        }
    }

    public void remove(String reference, boolean force) {
        Container c = resolve(reference);
        ContainerEvents ev = eventsOf(c.id());
        CompletableFuture<ExitResult> exit;
        synchronized (ev) {
            c = reload(c.id());
            if (!c.isRunning()) {
                removeLocked(c, ev);
                return;
            }
            if (!force) {
                throw new ConflictException("cannot remove container \"/" + c.name() + "\": container is running: "
                        + "stop the container before removing or force remove");
            }
            exit = ev.nextExit();
            signal(c.id(), Signals.SIGKILL);
            if (c.isPaused()) runtime.resume(c.id());
        }
        awaitExit(exit, Long.MAX_VALUE);
        synchronized (ev) {
            Optional<Container> after = store.byId(c.id());
            if (after.isPresent()) removeLocked(after.get(), ev);
        }
    }

    /** Caller holds the container's lock and the container is not running. */
    private void removeLocked(Container c, ContainerEvents ev) {
        store.update(c.inState(ContainerState.REMOVING));
        if (c.startedAt() != null) deleteRuntimeState(c.id());
        try {
            files(c).delete();
        } catch (IOException e) {
            store.update(c.inState(ContainerState.DEAD));
            throw new UncheckedIOException("cannot remove container " + c.id() + ": " + e.getMessage(), e);
        }
        store.delete(c.id());
        events.remove(c.id());
        execs.values().removeIf(e -> e.containerId().equals(c.id()));
        LOG.log(System.Logger.Level.INFO, "container {0} removed", c.id());
        ev.removed(new ExitResult(c.exitCode(), c.error()));
    }

    /** Removes every container that is not running (docker container prune); returns their ids. */
    public List<String> prune() {
        List<String> removed = new ArrayList<>();
        for (Container c : store.all()) {
            if (c.isRunning()) continue;
            ContainerEvents ev = eventsOf(c.id());
            synchronized (ev) {
                Optional<Container> current = store.byId(c.id());
                if (current.isEmpty() || current.get().isRunning()) continue;
                removeLocked(current.get(), ev);
                removed.add(c.id());
            }
        }
        return removed;
    }

    // ---- pause, top, stats, update --------------------------------------------------------------

    /** docker pause: freezes every process of the container (the cgroup freezer). */
    public void pause(String reference) {
        Container c = resolve(reference);
        synchronized (eventsOf(c.id())) {
            c = reload(c.id());
            if (!c.isRunning()) throw new ConflictException("Container " + c.id() + " is not running");
            if (c.isPaused()) throw new ConflictException("Container " + c.id() + " is already paused");
            runtime.pause(c.id());
            store.update(c.inState(ContainerState.PAUSED));
        }
    }

    public void unpause(String reference) {
        Container c = resolve(reference);
        synchronized (eventsOf(c.id())) {
            c = reload(c.id());
            if (!c.isPaused()) throw new ConflictException("Container " + c.id() + " is not paused");
            runtime.resume(c.id());
            store.update(c.inState(ContainerState.RUNNING));
        }
    }

    /** docker top: the host's ps output ({@code psArgs}, default -ef) cut down to the container's processes. */
    public ProcessTable top(String reference, String psArgs) {
        Container c = resolve(reference);
        if (!c.isRunning()) throw new ConflictException("Container " + c.id() + " is not running");
        return ProcessTable.of(psArgs, runtime.processes(c.id()));
    }

    /** One reading of the container's cgroup with the host's CPU time; a stopped container reads as zeros. */
    public ResourceSample stats(String reference) {
        Container c = resolve(reference);
        long system = ResourceSample.hostCpuNanos();
        int cpus = Runtime.getRuntime().availableProcessors();
        if (!c.isRunning()) {
            return new ResourceSample(new CgroupStats(0, 0, 0, 0, 0, Instant.now()), system, cpus);
        }
        return new ResourceSample(runtime.stats(c.id()), system, cpus);
    }

    /**
     * docker update: checks the new limits against the current ones, applies them to the cgroup of a
     * running container and records them, so inspect and the next start see them.
     */
    public Container update(String reference, Resources changes) {
        Container c = resolve(reference);
        synchronized (eventsOf(c.id())) {
            c = reload(c.id());
            Resources merged = resourceRules.forUpdate(c.host().resources(), changes);
            if (c.isRunning()) runtime.update(c.id(), ResourceRules.toLinux(merged, null));
            Container updated = c.withHost(c.host().withResources(merged));
            store.update(updated);
            return updated;
        }
    }

    // ---- queries -----------------------------------------------------------------------------

    public List<Container> list(boolean all) {
        return store.all().stream().filter(c -> all || c.isRunning()).toList();
    }

    public Container inspect(String reference) {
        return resolve(reference);
    }

    /** Docker's lookup order: full id, exact name (with or without "/"), then a unique id prefix. */
    public Container resolve(String reference) {
        String ref = reference == null ? "" : reference.trim();
        if (ref.isEmpty()) throw new NotFoundException("No such container: " + reference);
        Optional<Container> byId = ref.length() == 64 ? store.byId(ref) : Optional.empty();
        if (byId.isPresent()) return byId.get();
        Optional<Container> byName = store.byName(ref.replaceFirst("^/", ""));
        if (byName.isPresent()) return byName.get();
        if (HEX.matcher(ref).matches()) {
            List<Container> matches = store.byIdPrefix(ref);
            if (matches.size() == 1) return matches.getFirst();
            if (matches.size() > 1) {
                throw new InvalidArgumentException("multiple IDs found with provided prefix: " + ref);
            }
        }
        throw new NotFoundException("No such container: " + ref);
    }

    /**
     * docker rmi with dockerd's conflict rules (see {@link ImageService#remove(String, boolean, java.util.function.Function)}):
     * the image store learns from here which containers use the image and whether they run.
     */
    public List<String> removeImage(String nameOrId, boolean force) {
        return images.remove(nameOrId, force, imageId -> store.all().stream()
                .filter(c -> c.imageId().equals(imageId.toString()))
                .map(c -> new ImageService.ImageUser(c.id(), c.isRunning())).toList());
    }

    // ---- images made from containers, pruning, disk usage -------------------------------------

    /**
     * docker commit: the container's writable layer on top of its image, with the container's
     * config (and any --change applied) as the new image's config. The container may be running;
     * files changing during the read land in whichever state they were read.
     */
    public Image commit(String reference, CommitRequest request) {
        Container c = resolve(reference);
        Image parent = images.resolve(c.imageId());
        ImageConfig.ContainerConfig config = ConfigChanges.apply(containerConfig(c, parent), request.changes());
        List<String> command = new ArrayList<>(c.spec().entrypoint());
        command.addAll(c.spec().cmd());
        try (UpperView upper = upperAsSeenInside(c)) {
            return images.commit(upper.path(), parent, new CommitOptions(request.tag(), request.author(),
                    request.comment(), String.join(" ", command), config), RuntimeMountPoints::isMountPoint);
        }
    }

    /** A container's writable layer with the ids its processes saw: a remapped one's are mapped back, as docker does. */
    private UpperView upperAsSeenInside(Container c) {
        Path upper = files(c).upperDir();
        Optional<UsernsRemap> userns = OciSpecBuilder.remapOf(c, config.usernsRemap());
        if (userns.isEmpty()) return new UpperView(upper, null);
        try {
            ContainerIdsView view = ContainerIdsView.open(upper, userns.get());
            return new UpperView(view.path(), view);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map the ids of container " + c.id() + " back: " + e.getMessage(), e);
        }
    }

    private record UpperView(Path path, ContainerIdsView view) implements AutoCloseable {
        @Override
        public void close() {
            if (view != null) view.close();
        }
    }

    /** The container's effective config in the image config's shape; ports and volumes come from its image. */
    private static ImageConfig.ContainerConfig containerConfig(Container c, Image image) {
        ImageConfig.ContainerConfig base = image.config().config();
        ContainerSpec s = c.spec();
        return new ImageConfig.ContainerConfig(s.user().isEmpty() ? null : s.user(),
                base == null ? null : base.exposedPorts(), s.env(), s.entrypoint().isEmpty() ? null : s.entrypoint(),
                s.cmd().isEmpty() ? null : s.cmd(), base == null ? null : base.volumes(),
                s.workingDir().isEmpty() ? null : s.workingDir(), s.labels().isEmpty() ? null : s.labels(), s.stopSignal());
    }

    /**
     * The tags a registry lists for a repository (docker pull --all-tags), from the first endpoint
     * that answers (docker.io mirrors first). The image store has no public tag listing, so the engine
     * asks through a registry client of its own with the same hosts and certificates.
     */
    public List<String> remoteTags(ImageReference repository, Credentials.AuthConfig auth) {
        try (RegistryClient client = new RegistryClient(config.registries(), Duration.ofSeconds(60),
                config.imageOptions().certsDir(), config.imageOptions().credentials())) {
            RuntimeException last = null;
            for (Endpoint endpoint : client.endpoints(repository)) {
                try {
                    return client.open(endpoint, repository.path(), endpoint.mirror() ? null : auth).listTags();
                } catch (RuntimeException e) {
                    last = e;
                }
            }
            throw last;
        }
    }

    /** docker diff: what the container changed in its image's filesystem. */
    public List<UpperDir.Change> changes(String reference) {
        Container c = resolve(reference);
        try (UpperView upper = upperAsSeenInside(c)) {
            return images.diff(upper.path(), images.resolve(c.imageId()), RuntimeMountPoints::isMountPoint);
        }
    }

    /** docker image prune [-a]: images of every container, stopped ones included, are kept. */
    public ImageService.PruneResult pruneImages(boolean all) {
        Set<Digest> inUse = store.all().stream().map(c -> Digest.parse(c.imageId())).collect(Collectors.toSet());
        return images.prune(all, inUse);
    }

    /** docker system df. */
    public DiskUsage diskUsage() {
        List<Container> containers = store.all();
        Map<String, Integer> users = DiskUsage.countByImage(containers);
        List<DiskUsage.ImageUsage> imageUsage = images.list().stream()
                .map(i -> new DiskUsage.ImageUsage(i, users.getOrDefault(i.id().toString(), 0))).toList();
        List<DiskUsage.ContainerUsage> containerUsage = containers.stream()
                .map(c -> new DiskUsage.ContainerUsage(c, DirectorySize.of(files(c).upperDir()))).toList();
        return new DiskUsage(images.layersSize(), imageUsage, containerUsage);
    }

    // ---- logs and attach ---------------------------------------------------------------------

    public void logs(String reference, LogOptions options, LogSink sink) throws IOException, InterruptedException {
        Container c = resolve(reference);
        CompletableFuture<ExitResult> end;
        synchronized (eventsOf(c.id())) {
            c = reload(c.id());
            end = c.isRunning() ? eventsOf(c.id()).nextExit() : CompletableFuture.completedFuture(null);
        }
        new JsonLogReader(files(c).logFile()).read(options, end, sink);
    }

    /**
     * Registers an attach: the returned stream carries the container's output from this moment (or
     * from the oldest kept line with {@code replay}) until its next exit has happened and the log is
     * drained. Registering before the client is told the attach succeeded is what lets docker run
     * start the container right after without losing its first lines.
     */
    public Attachment attach(String reference, boolean replay) throws IOException {
        Container c = resolve(reference);
        JsonLogReader reader = new JsonLogReader(files(c).logFile());
        synchronized (eventsOf(c.id())) {
            return new Attachment(c.id(), reader, replay ? reader.start() : reader.end(), eventsOf(c.id()).nextExit());
        }
    }

    /** A registered attach; {@link #stream} blocks until the run has ended and its output is sent. */
    public record Attachment(String containerId, JsonLogReader reader, JsonLogReader.Position from,
                             CompletableFuture<ExitResult> end) {
        public void stream(LogSink sink) throws IOException, InterruptedException {
            reader.follow(from, LogOptions.everything(true), end, sink);
        }
    }

    /**
     * The stdin of a running container opened with -i (OpenStdin): writes reach its process through
     * its monitor. Conflict while it is not running; an attach that registered before the start
     * retries until it runs.
     */
    public ControlChannel stdin(String reference) {
        Container c = resolve(reference);
        if (!c.spec().openStdin()) throw new ConflictException("container " + c.id() + " was not created with an open stdin (-i)");
        if (!c.isRunning()) throw new ConflictException("Container " + c.id() + " is not running");
        return runtime.openControl(c.id());
    }

    /** POST /containers/{id}/resize: the terminal's new size; nothing to do without a terminal. */
    public void resize(String reference, int height, int width) throws IOException {
        checkTerminalSize(height, width);
        Container c = resolve(reference);
        if (!c.isRunning()) throw new ConflictException("Container " + c.id() + " is not running");
        if (!c.spec().tty()) return;
        try (ControlChannel control = runtime.openControl(c.id())) {
            control.resize(height, width);
        }
    }

    private static void checkTerminalSize(int height, int width) {
        if (height < 0 || height > 65535) throw new InvalidArgumentException("invalid height: " + height);
        if (width < 0 || width > 65535) throw new InvalidArgumentException("invalid width: " + width);
    }

    // ---- exec --------------------------------------------------------------------------------

    /** POST /containers/{id}/exec: records the exec; the container must be running. */
    public ExecSession createExec(String reference, ExecRequest request) {
        Container c = resolve(reference);
        if (!c.isRunning()) throw new ConflictException("container " + c.id() + " is not running");
        if (c.state() == ContainerState.PAUSED) throw new ConflictException("container " + c.id() + " is paused, unpause the container before exec");
        String id;
        do {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            id = HexFormat.of().formatHex(bytes);
        } while (execs.containsKey(id));
        ExecSession session = new ExecSession(id, c.id(), request);
        forgetOldExecs();
        execs.put(id, session);
        return session;
    }

    /**
     * Exited execs stay inspectable for a while (a client reads the exit code right after), then go, as dockerd's
     * exec GC does: a container exec'd into every second (health checks, test harnesses) must not grow the daemon.
     */
    private void forgetOldExecs() {
        Instant before = Instant.now().minus(EXITED_EXEC_KEPT);
        execs.values().removeIf(e -> e.exitedAt() != null && e.exitedAt().isBefore(before));
    }

    public ExecSession exec(String execId) {
        ExecSession session = execId == null ? null : execs.get(execId);
        if (session == null) throw new NotFoundException("No such exec instance: " + execId);
        return session;
    }

    /** The execs of a container that have not been removed with it (inspect's ExecIDs lists the live ones). */
    public List<ExecSession> execsOf(String containerId) {
        return execs.values().stream().filter(e -> e.containerId().equals(containerId)).toList();
    }

    /**
     * Starts an exec. With {@code captureOutput} its output is written to a private json log that
     * the returned run follows (and deletes when closed); otherwise it is discarded, as docker does
     * for a detached exec. A process that cannot be started leaves the exec exited with docker's
     * 126/127 and throws {@link ExecStartFailure}.
     */
    public ExecRun startExec(String execId, boolean captureOutput, int[] consoleSize) throws ExecStartFailure {
        ExecSession session = exec(execId);
        session.claimStart();
        Container c = resolve(session.containerId());
        if (!c.isRunning()) {
            session.exited(EXIT_UNKNOWN);
            throw new ConflictException("container " + c.id() + " is not running");
        }
        ExecRequest r = session.request();
        Path log = captureOutput ? files(c).dir().resolve("exec-" + execId + "-json.log") : null;
        try {
            Spec containerSpec = runningSpecs.computeIfAbsent(c.id(), id -> readSpec(files(c)));
            Process process = execProcess(c, containerSpec.process(), r, consoleSize == null ? r.consoleSize() : consoleSize);
            if (log != null) Files.deleteIfExists(log);
            ContainerProcess p = runtime.exec(c.id(), execId, containerSpec, process, new ProcessIo(log, null, r.attachStdin()));
            session.running(p.pid());
            p.exit().whenComplete((status, failure) -> Thread.ofVirtual().start(() -> {
                session.exited(failure == null ? status.exitCode() : EXIT_LOST);
                try {
                    runtime.deleteExec(c.id(), execId);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot delete exec {0}: {1}", execId, e.getMessage());
                }
            }));
            return new ExecRun(session, log == null ? null : new JsonLogReader(log), log);
        } catch (StartFailure failure) {
            session.exited(failure.kind() == StartFailure.Kind.COMMAND_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
            deleteQuietly(log);
            throw new ExecStartFailure("OCI runtime exec failed: exec failed: unable to start container process: "
                    + failure.getMessage() + ": unknown", failure);
        } catch (IOException e) {
            session.exited(EXIT_NOT_EXECUTABLE);
            deleteQuietly(log);
            throw new UncheckedIOException("cannot exec in container " + c.id() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            session.exited(EXIT_NOT_EXECUTABLE);
            deleteQuietly(log);
            throw e;
        }
    }

    /** The OCI spec a running container was started with (config.json), for its execs. */
    private static Spec readSpec(ContainerFiles files) {
        try {
            return SPEC_JSON.readValue(files.ociConfig().toFile(), Spec.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + files.ociConfig() + ": " + e.getMessage(), e);
        }
    }

    /** The exec's process: the container's, with the exec's command, user, directory, environment and privileges. */
    private Process execProcess(Container c, Process base, ExecRequest r, int[] consoleSize) {
        Map<String, String> env = new LinkedHashMap<>();
        for (List<String> list : List.of(base.env() == null ? List.<String>of() : base.env(), r.env())) {
            for (String e : list) {
                int eq = e.indexOf('=');
                env.put(eq < 0 ? e : e.substring(0, eq), e);
            }
        }
        Process.User user = base.user();
        if (!r.user().isEmpty()) {
            // Names are looked up in the running container's own files, which may differ from the image's.
            Path root = Path.of("/proc/" + c.pid() + "/root");
            UserResolver.ResolvedUser resolved = new UserResolver(relative -> {
                Path p = root.resolve(relative.replaceFirst("^/+", ""));
                return Files.exists(p) ? Optional.of(p) : Optional.empty();
            }).resolve(r.user());
            List<Long> gids = new ArrayList<>(List.of((long) resolved.gid()));
            resolved.additionalGids().stream().map(Integer::longValue).filter(g -> !gids.contains(g)).forEach(gids::add);
            user = new Process.User(resolved.uid(), resolved.gid(), base.user() == null ? null : base.user().umask(), gids, null);
        }
        Process.Capabilities caps = r.privileged() ? security.capabilities(List.of(), List.of(), true) : base.capabilities();
        Process.ConsoleSize size = consoleSize != null && consoleSize.length == 2 && consoleSize[0] > 0 && consoleSize[1] > 0
                ? new Process.ConsoleSize(consoleSize[0], consoleSize[1]) : null;
        return new Process(r.tty(), size, user, r.cmd(), null, List.copyOf(env.values()),
                r.workingDir().isEmpty() ? base.cwd() : r.workingDir(), caps, base.rlimits(), base.noNewPrivileges(),
                base.apparmorProfile(), base.oomScoreAdj(), base.selinuxLabel());
    }

    /** POST /exec/{id}/resize. */
    public void resizeExec(String execId, int height, int width) throws IOException {
        checkTerminalSize(height, width);
        ExecSession session = exec(execId);
        if (session.phase() != ExecSession.Phase.RUNNING) throw new ConflictException("exec " + execId + " is not running");
        if (!session.request().tty()) return;
        try (ControlChannel control = runtime.openExecControl(session.containerId(), execId)) {
            control.resize(height, width);
        } catch (NotFoundException exitedMeanwhile) {
            throw new ConflictException("exec " + execId + " is not running");
        }
    }

    /** The stdin of a running exec started with AttachStdin. */
    public ControlChannel execStdin(String execId) {
        ExecSession session = exec(execId);
        if (session.phase() != ExecSession.Phase.RUNNING) throw new ConflictException("exec " + execId + " is not running");
        return runtime.openExecControl(session.containerId(), execId);
    }

    /** A started exec and, when its output is captured, the reader of that output. */
    public record ExecRun(ExecSession session, JsonLogReader output, Path outputFile) implements AutoCloseable {
        /** Sends the exec's output until it has exited and all of it is sent. */
        public void stream(LogSink sink) throws IOException, InterruptedException {
            if (output == null) return;
            output.follow(output.start(), LogOptions.everything(true), session.exit(), sink);
        }

        @Override
        public void close() {
            deleteQuietly(outputFile);
        }
    }

    /** An exec whose process could not be started; the message is docker's text for it. */
    public static final class ExecStartFailure extends Exception {
        public ExecStartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete {0}: {1}", file, e.getMessage());
        }
    }

    // ---- system ------------------------------------------------------------------------------

    public EngineInfo info() {
        List<Container> all = store.all();
        int running = (int) all.stream().filter(Container::isRunning).count();
        String cgroup = String.valueOf(runtime.cgroupVersion().number());
        return new EngineInfo(all.size(), running, 0, all.size() - running, images.list().size(), cgroup, host,
                config.dataRoot());
    }

    public HostFacts host() {
        return host;
    }

    // ---- restart -----------------------------------------------------------------------------

    /** Containers recorded as running are watched again, or marked exited if their process is gone. */
    private void reconcile() {
        for (Container c : store.all()) {
            events.put(c.id(), new ContainerEvents());
            if (c.state() == ContainerState.REMOVING) {
                synchronized (eventsOf(c.id())) {
                    removeLocked(c, eventsOf(c.id()));
                }
                continue;
            }
            if (!c.isRunning()) continue;
            Optional<ContainerProcess> process = runtime.find(c.id());
            if (process.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "container {0} still running, pid {1}", c.id(), String.valueOf(process.get().pid()));
                watch(process.get());
            } else {
                exited(c.id(), EXIT_LOST, Instant.now(), "container monitor is gone", false);
            }
        }
    }

    private ContainerEvents eventsOf(String id) {
        return events.computeIfAbsent(id, k -> new ContainerEvents());
    }

    private Container reload(String id) {
        return store.byId(id).orElseThrow(() -> new NotFoundException("No such container: " + id));
    }

    private static void deleteQuietly(ContainerFiles files) {
        try {
            files.delete();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot clean up {0}: {1}", files.dir(), e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ContainerEvents ev : events.values()) {
            synchronized (ev) {
                // waits for an exit being recorded right now
            }
        }
        store.close();
        images.close();
    }

    /**
     * docker export: the container's filesystem (its image's layers with its changes, no runtime mount
     * points) as a tar written to {@code out}. The container is resolved first, so a missing one fails
     * before anything is written.
     */
    public void export(String reference, OutputStream out) throws IOException {
        Container c = resolve(reference);
        ContainerFiles files = files(c);
        try (UpperView upper = upperAsSeenInside(c)) {
            ContainerExport.write(upper.path(), images.layerDirs(images.resolve(c.imageId())), files.layerDir(), out);
        }
    }
}
