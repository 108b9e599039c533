package io.berth.api.server.endpoints;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.api.model.ContainerConfig;
import io.berth.api.model.ContainerCreateResponse;
import io.berth.api.model.ContainerStats;
import io.berth.api.model.ContainerTop;
import io.berth.api.model.ContainerUpdateResponse;
import io.berth.api.model.HostConfig;
import io.berth.api.model.WaitResponse;
import io.berth.api.server.http.Exchange;
import io.berth.api.server.http.Route;
import io.berth.engine.Engine;
import io.berth.engine.exec.DetachKeys;
import io.berth.engine.exec.ExecSession;
import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerState;
import io.berth.engine.container.CreateRequest;
import io.berth.engine.container.ExitResult;
import io.berth.engine.container.HostSpec;
import io.berth.engine.container.WaitCondition;
import io.berth.engine.logs.LogOptions;
import io.berth.engine.logs.LogSink;
import io.berth.engine.stats.ProcessTable;
import io.berth.engine.stats.ResourceSample;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.errdefs.InvalidArgumentException;
import io.netty.handler.codec.http.HttpMethod;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/** /containers/...: the container lifecycle, logs and attach. */
public final class ContainerEndpoints {
    /** How far apart two stats readings are, as in dockerd's collector. */
    private static final long STATS_INTERVAL_MILLIS = 1000;

    private final Engine engine;

    public ContainerEndpoints(Engine engine) {
        this.engine = engine;
    }

    public List<Route> routes() {
        return List.of(
                Route.of(HttpMethod.POST, "/containers/create", this::create),
                Route.of(HttpMethod.GET, "/containers/json", this::list),
                Route.of(HttpMethod.POST, "/containers/prune", this::prune),
                Route.of(HttpMethod.GET, "/containers/{id}/changes", this::changes),
                Route.of(HttpMethod.GET, "/containers/{id}/export", this::export),
                Route.of(HttpMethod.GET, "/containers/{id}/json", this::inspect),
                Route.of(HttpMethod.POST, "/containers/{id}/start", this::start),
                Route.of(HttpMethod.POST, "/containers/{id}/wait", this::waitFor),
                Route.of(HttpMethod.POST, "/containers/{id}/stop", this::stop),
                Route.of(HttpMethod.POST, "/containers/{id}/restart", this::restart),
                Route.of(HttpMethod.POST, "/containers/{id}/kill", this::kill),
                Route.of(HttpMethod.POST, "/containers/{id}/attach", this::attach),
                Route.of(HttpMethod.POST, "/containers/{id}/resize", this::resize),
                Route.of(HttpMethod.GET, "/containers/{id}/logs", this::logs),
                Route.of(HttpMethod.POST, "/containers/{id}/pause", this::pause),
                Route.of(HttpMethod.POST, "/containers/{id}/unpause", this::unpause),
                Route.of(HttpMethod.GET, "/containers/{id}/top", this::top),
                Route.of(HttpMethod.GET, "/containers/{id}/stats", this::stats),
                Route.of(HttpMethod.POST, "/containers/{id}/update", this::update),
                Route.of(HttpMethod.DELETE, "/containers/{id}", this::remove));
    }

    private void create(Exchange ex) throws Exception {
        if (!ex.hasBody()) throw new InvalidArgumentException("config cannot be empty in order to create a container");
        ContainerConfig c = ex.bodyAs(ContainerConfig.class);
        HostSpec host = HostConfigs.toEngine(c.hostConfig());
        Container created = engine.create(new CreateRequest(ex.query("name", ""), c.image(), c.entrypoint(), c.cmd(),
                c.env(), c.workingDir(), c.user(), c.hostname(), c.domainname(), c.labels(), is(c.tty()),
                is(c.openStdin()), is(c.stdinOnce()), is(c.attachStdin()), is(c.attachStdout()), is(c.attachStderr()), c.stopSignal(),
                c.stopTimeout(), host));
        ex.json(201, new ContainerCreateResponse(created.id(), List.of()));
    }

    private static boolean is(Boolean b) {
        return Boolean.TRUE.equals(b);
    }

    private void list(Exchange ex) throws Exception {
        int limit = ex.intQuery("limit").orElse(-1);
        boolean all = ex.flag("all") || limit > 0;
        Predicate<Container> filter = filters(ex.query("filters", ""), ex);
        ContainerViews views = new ContainerViews(ex.mapper());
        var rows = engine.list(all).stream().filter(filter).limit(limit > 0 ? limit : Long.MAX_VALUE)
                .map(views::summary).toList();
        ex.json(200, rows);
    }

    /**
     * Docker's list filters, {"status":["running"],"name":["web"],"id":["abc"],"label":["k=v"]}, also
     * in the older {"status":{"running":true}} form. Values of one key are alternatives; keys combine.
     */
    private static Predicate<Container> filters(String json, Exchange ex) throws IOException {
        if (json.isEmpty()) return c -> true;
        JsonNode root = ex.mapper().readTree(json);
        Predicate<Container> all = c -> true;
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) e.getValue().forEach(v -> values.add(v.asText()));
            else e.getValue().fieldNames().forEachRemaining(values::add);
            Predicate<Container> one = switch (e.getKey()) {
                case "status" -> c -> values.contains(c.state().apiName());
                case "name" -> c -> values.stream().anyMatch(v -> c.name().contains(v.replaceFirst("^/", "")));
                case "id" -> c -> values.stream().anyMatch(c.id()::startsWith);
                case "exited" -> c -> c.state() == ContainerState.EXITED && values.contains(String.valueOf(c.exitCode()));
                case "label" -> c -> values.stream().allMatch(v -> hasLabel(c, v));
                case "ancestor" -> c -> values.stream().anyMatch(v -> c.imageReference().equals(v) || c.imageId().contains(v));
                default -> throw new InvalidArgumentException("invalid filter '" + e.getKey() + "'");
            };
            all = all.and(one);
        }
        return all;
    }

    private static boolean hasLabel(Container c, String filter) {
        String[] kv = filter.split("=", 2);
        String value = c.spec().labels().get(kv[0]);
        return value != null && (kv.length == 1 || value.equals(kv[1]));
    }

    /** docker diff: [{Path, Kind}] with Kind 0 modified, 1 added, 2 deleted. */
    private void changes(Exchange ex) throws Exception {
        ex.json(200, engine.changes(ex.path("id")).stream().map(change -> Map.of("Path", change.path(), "Kind",
                switch (change.kind()) {
                    case C -> 0;
                    case A -> 1;
                    case D -> 2;
                })).toList());
    }

    /**
     * docker export: the container is resolved first, so a missing one is a 404 before the tar starts;
     * a failure mid-way leaves the chunked answer unfinished, so the client never takes a cut tar for whole.
     */
    private void export(Exchange ex) throws Exception {
        String id = engine.inspect(ex.path("id")).id();
        Exchange.ChunkedStream stream = ex.stream(200, "application/x-tar");
        try (OutputStream out = new BufferedOutputStream(new ChunkedOutputStream(stream), 1 << 16)) {
            engine.export(id, out);
        }
        stream.close();
    }

    private void prune(Exchange ex) throws Exception {
        ex.json(200, Map.of("ContainersDeleted", engine.prune(), "SpaceReclaimed", 0));
    }

    private void inspect(Exchange ex) throws Exception {
        Container c = engine.inspect(ex.path("id"));
        ex.json(200, new ContainerViews(ex.mapper()).inspect(c, engine.files(c),
                engine.execsOf(c.id()).stream().map(ExecSession::id).toList()));
    }

    private void start(Exchange ex) {
        ex.empty(engine.start(ex.path("id")) ? 204 : 304);
    }

    /** The headers go out as soon as the wait is registered; the status follows when the condition is met. */
    private void waitFor(Exchange ex) throws Exception {
        // A copy, so a client that hangs up cancels only its own wait.
        CompletableFuture<ExitResult> result = engine.waitFor(ex.path("id"), WaitCondition.parse(ex.query("condition", ""))).copy();
        ex.onClose(() -> result.cancel(false));
        Exchange.ChunkedStream out = ex.stream(200, Exchange.JSON);
        ExitResult exit = result.get();
        WaitResponse.Error error = exit.error().isEmpty() ? null : new WaitResponse.Error(exit.error());
        out.writeJsonLine(new WaitResponse(exit.exitCode(), error));
        out.close();
    }

    private void stop(Exchange ex) {
        Integer timeout = ex.intQuery("t").orElse(null);
        ex.empty(engine.stop(ex.path("id"), timeout) ? 204 : 304);
    }

    private void restart(Exchange ex) {
        engine.restart(ex.path("id"), ex.intQuery("t").orElse(null));
        ex.empty(204);
    }

    private void kill(Exchange ex) {
        engine.kill(ex.path("id"), ex.query("signal", "KILL"));
        ex.empty(204);
    }

    private void pause(Exchange ex) {
        engine.pause(ex.path("id"));
        ex.empty(204);
    }

    private void unpause(Exchange ex) {
        engine.unpause(ex.path("id"));
        ex.empty(204);
    }

    private void top(Exchange ex) throws Exception {
        ProcessTable table = engine.top(ex.path("id"), ex.query("ps_args", "-ef"));
        ex.json(200, new ContainerTop(table.titles(), table.processes()));
    }

    /** docker update: the body is an UpdateConfig, whose resource fields are HostConfig's. */
    private void update(Exchange ex) throws Exception {
        HostConfig changes = ex.hasBody() ? ex.bodyAs(HostConfig.class) : null;
        if (changes != null) engine.update(ex.path("id"), HostConfigs.resources(changes));
        ex.json(200, new ContainerUpdateResponse(List.of()));
    }

    /**
     * One document (stream=false) or one a second until the client leaves or the container stops.
     * Each carries the reading before it as precpu_stats, so the first already has a CPU percentage;
     * one-shot=true skips that first interval.
     */
    private void stats(Exchange ex) throws Exception {
        Container c = engine.inspect(ex.path("id"));
        boolean stream = ex.query("stream").map(v -> !v.equals("0") && !v.equals("false")).orElse(true);
        AtomicBoolean gone = new AtomicBoolean();
        ex.onClose(() -> gone.set(true));
        ResourceSample previous = ex.flag("one-shot") ? null : engine.stats(c.id());
        if (previous != null) Thread.sleep(STATS_INTERVAL_MILLIS);
        ResourceSample current = engine.stats(c.id());
        if (!stream) {
            ex.json(200, statsView(c, previous, current));
            return;
        }
        Exchange.ChunkedStream out = ex.stream(200, Exchange.JSON);
        try {
            while (!gone.get()) {
                out.writeJsonLine(statsView(c, previous, current));
                if (!engine.inspect(c.id()).isRunning()) break;
                Thread.sleep(STATS_INTERVAL_MILLIS);
                previous = current;
                current = engine.stats(c.id());
            }
        } finally {
            out.close();
        }
    }

    private ContainerStats statsView(Container c, ResourceSample previous, ResourceSample now) {
        CgroupStats cg = now.cgroup();
        long hostMemory = engine.host().memoryBytes();
        long memoryLimit = cg.memoryLimit() == CgroupStats.UNLIMITED || cg.memoryLimit() <= 0 || cg.memoryLimit() > hostMemory
                ? hostMemory : cg.memoryLimit();
        long pidsLimit = cg.pidsLimit() == CgroupStats.UNLIMITED ? 0 : cg.pidsLimit();
        return new ContainerStats(cg.read().toString(),
                previous == null ? ContainerViews.NEVER : previous.cgroup().read().toString(), "/" + c.name(), c.id(),
                new ContainerStats.PidsStats(cg.pids(), pidsLimit == 0 ? null : pidsLimit), cpu(now),
                previous == null ? new ContainerStats.CpuStats(new ContainerStats.CpuUsage(0L, 0L, 0L), null, null, Map.of())
                        : cpu(previous),
                new ContainerStats.MemoryStats(cg.memoryUsage(), memoryLimit, Map.of()), Map.of(), 0);
    }

    private static ContainerStats.CpuStats cpu(ResourceSample sample) {
        return new ContainerStats.CpuStats(new ContainerStats.CpuUsage(sample.cgroup().cpuUsageNanos(), 0L, 0L),
                sample.systemCpuNanos(), sample.onlineCpus(),
                Map.of("periods", 0L, "throttled_periods", 0L, "throttled_time", 0L));
    }

    private void remove(Exchange ex) {
        engine.remove(ex.path("id"), ex.flag("force"));
        ex.empty(204);
    }

    private void logs(Exchange ex) throws Exception {
        Container c = engine.inspect(ex.path("id"));
        boolean stdout = ex.flag("stdout");
        boolean stderr = ex.flag("stderr");
        if (!stdout && !stderr) throw new InvalidArgumentException("Bad parameters: you must choose at least one stream");
        String tail = ex.query("tail", "all");
        int tailLines;
        try {
            tailLines = tail.isEmpty() || tail.equals("all") ? -1 : Integer.parseInt(tail);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("invalid value for tail: " + tail);
        }
        LogOptions options = new LogOptions(stdout, stderr, ex.flag("timestamps"), tailLines,
                unixTime(ex.query("since", "")), unixTime(ex.query("until", "")), ex.flag("follow"));
        StreamFrames frames = new StreamFrames(!c.spec().tty(), options.timestamps());
        Exchange.ChunkedStream out = ex.stream(200, StreamFrames.contentType(!c.spec().tty(), ex.version().atLeast(1, 42)));
        // A follower of a quiet container would otherwise only notice a vanished client at its next line.
        Thread reader = Thread.currentThread();
        ex.onClose(reader::interrupt);
        try {
            engine.logs(c.id(), options, new FramingSink(frames, stdout, stderr, out::write));
        } finally {
            out.close();
        }
    }

    /** Docker's since/until: seconds since the epoch with an optional fraction; empty or 0 means unbounded. */
    private static Instant unixTime(String value) {
        if (value.isEmpty()) return null;
        try {
            BigDecimal seconds = new BigDecimal(value);
            if (seconds.signum() == 0) return null;
            return Instant.ofEpochSecond(seconds.longValue(),
                    seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("invalid timestamp: " + value);
        }
    }

    /**
     * Hijacks the connection, streams the container's output until it exits and, with stdin=1 on a
     * container created with -i, forwards the client's input to it (watching for the detach keys).
     * The attach is registered before the client learns it succeeded.
     */
    private void attach(Exchange ex) throws Exception {
        Container c = engine.inspect(ex.path("id"));
        DetachKeys keys = DetachKeys.parse(ex.query("detachKeys", ""));
        boolean tty = c.spec().tty();
        Engine.Attachment attachment = ex.flag("stream") ? engine.attach(c.id(), ex.flag("logs")) : null;
        Exchange.RawStream out = ex.hijack(StreamFrames.contentType(!tty, ex.version().atLeast(1, 42)));
        LogSink selected = new FramingSink(new StreamFrames(!tty, false), ex.flag("stdout"), ex.flag("stderr"), out::write);
        boolean forwardStdin = attachment != null && ex.flag("stdin") && c.spec().openStdin();
        StdinPump.relay(out, forwardStdin ? () -> engine.stdin(c.id()) : null, tty ? keys : null, c.spec().stdinOnce() && !tty,
                attachment == null ? () -> true : attachment.end()::isDone, () -> {
                    if (attachment != null) attachment.stream(selected);
                    else if (ex.flag("logs")) engine.logs(c.id(), LogOptions.everything(false), selected);
                });
    }

    /** POST /containers/{id}/resize?h=&w=: the client's terminal size for a -t container. */
    private void resize(Exchange ex) throws Exception {
        engine.resize(ex.path("id"), ex.intQuery("h").orElse(0), ex.intQuery("w").orElse(0));
        ex.empty(200);
    }
}
