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
import io.berth.engine.logs.JsonLogReader;
import io.berth.engine.security.SecurityPolicy;
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
import io.berth.runtime.RootfsMount;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.runtime.StartFailure;

import java.io.IOException;
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
        ContainerSpec spec = mergeWithImage(request, image.config(), id, hostSpec);
        if (spec.entrypoint().isEmpty() && spec.cmd().isEmpty()) throw new InvalidArgumentException("No command specified");
        ContainerFiles files = ContainerFiles.of(config.dataRoot(), id);
        Container proposed = new Container(id, requestedName, image.id().toString(), request.image(), spec, hostSpec,
                Instant.now(), ContainerState.CREATED, 0, 0, null, null, "", false);
        new OciSpecBuilder(proposed, files, images.layerDirs(image), security, this::resolve).check();
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
                r.openStdin(), r.attachStdin(), r.attachStdout(), r.attachStderr(),
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
                var spec = new OciSpecBuilder(c, files, layers, security, this::resolve).build();
                SPEC_JSON.writeValue(files.ociConfig().toFile(), spec);
                ContainerProcess process = runtime.start(c.id(), spec, List.of(overlay(files, layers)), files.logFile());
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

    /** Overlay's lowerdir lists the top layer first; an image without layers gets an empty lower dir. */
    private RootfsMount overlay(ContainerFiles files, List<Path> layersBottomFirst) throws IOException {
        List<String> lower = new ArrayList<>();
        for (Path p : layersBottomFirst.reversed()) lower.add(p.toString());
        if (lower.isEmpty()) {
            Path empty = files.layerDir().resolve("empty");
            Files.createDirectories(empty);
            lower.add(empty.toString());
        }
        return new RootfsMount("overlay", "overlay", List.of("lowerdir=" + String.join(":", lower),
                "upperdir=" + files.upperDir(), "workdir=" + files.workDir()));
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
            Container done = current.get().exited(exitCode, finishedAt, error, oomKilled);
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

    /** Whether some container was created from the image (image removal needs force then). */
    private Optional<Container> userOfImage(Image image) {
        String id = image.id().toString();
        return store.all().stream().filter(c -> c.imageId().equals(id)).findFirst();
    }

    /** Removes an image, refusing (409) while a container uses it unless forced. */
    public List<String> removeImage(String nameOrId, boolean force) {
        Image image = images.resolve(nameOrId);
        Optional<Container> user = userOfImage(image);
        // Untagging one of several tags leaves the image in place, so only the last reference is guarded.
        boolean byId = image.id().hex().startsWith(nameOrId.replaceFirst("^sha256:", ""));
        boolean keepsImage = !byId && image.repoTags().size() > 1;
        if (user.isPresent() && !force && !keepsImage) {
            throw new ConflictException("conflict: unable to remove repository reference \"" + nameOrId
                    + "\" (must force) - container " + user.get().id().substring(0, 12)
                    + " is using its referenced image " + image.id().hex().substring(0, 12));
        }
        // Even forced, the layers of a running container's root filesystem are not deleted from under it.
        Optional<Container> running = store.all().stream()
                .filter(c -> c.imageId().equals(image.id().toString()) && c.isRunning()).findFirst();
        if (running.isPresent() && !keepsImage) {
            throw new ConflictException("conflict: unable to delete " + image.id().hex().substring(0, 12)
                    + " (cannot be forced) - image is being used by running container " + running.get().id().substring(0, 12));
        }
        return images.remove(nameOrId, force);
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
        return images.commit(files(c).upperDir(), parent, new CommitOptions(request.tag(), request.author(),
                request.comment(), String.join(" ", command), config));
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
        return RuntimeMountPoints.withoutMountPoints(images.diff(files(c).upperDir(), images.resolve(c.imageId())));
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
        return new DiskUsage(DirectorySize.of(config.dataRoot().resolve("image").resolve("layers")), imageUsage, containerUsage);
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
     * from the beginning with {@code replay}) until its next exit has happened and the log is
     * drained. Registering before the client is told the attach succeeded is what lets docker run
     * start the container right after without losing its first lines.
     */
    public Attachment attach(String reference, boolean replay) throws IOException {
        Container c = resolve(reference);
        JsonLogReader reader = new JsonLogReader(files(c).logFile());
        synchronized (eventsOf(c.id())) {
            return new Attachment(reader, replay ? 0 : reader.endOffset(), eventsOf(c.id()).nextExit());
        }
    }

    /** A registered attach; {@link #stream} blocks until the run has ended and its output is sent. */
    public record Attachment(JsonLogReader reader, long offset, CompletableFuture<ExitResult> end) {
        public void stream(LogSink sink) throws IOException, InterruptedException {
            reader.follow(offset, LogOptions.everything(true), end, sink);
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
}
