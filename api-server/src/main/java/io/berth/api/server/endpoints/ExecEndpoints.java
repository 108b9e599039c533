package io.berth.api.server.endpoints;

import io.berth.api.model.ExecConfig;
import io.berth.api.model.ExecInspect;
import io.berth.api.model.ExecStartConfig;
import io.berth.api.model.IdResponse;
import io.berth.api.server.http.Exchange;
import io.berth.api.server.http.Route;
import io.berth.engine.Engine;
import io.berth.engine.exec.DetachKeys;
import io.berth.engine.exec.ExecRequest;
import io.berth.engine.exec.ExecSession;
import io.berth.errdefs.InvalidArgumentException;
import io.netty.handler.codec.http.HttpMethod;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Docker's exec API: create, start (attached through a hijack, or detached), inspect, resize. */
public final class ExecEndpoints {
    private final Engine engine;

    public ExecEndpoints(Engine engine) {
        this.engine = engine;
    }

    public List<Route> routes() {
        return List.of(
                Route.of(HttpMethod.POST, "/containers/{id}/exec", this::create),
                Route.of(HttpMethod.POST, "/exec/{id}/start", this::start),
                Route.of(HttpMethod.GET, "/exec/{id}/json", this::inspect),
                Route.of(HttpMethod.POST, "/exec/{id}/resize", this::resize));
    }

    private void create(Exchange ex) throws Exception {
        if (!ex.hasBody()) throw new InvalidArgumentException("exec configuration cannot be empty");
        ExecConfig c = ex.bodyAs(ExecConfig.class);
        ExecSession session = engine.createExec(ex.path("id"), new ExecRequest(c.cmd(), c.env(), c.user(), c.workingDir(),
                is(c.tty()), is(c.attachStdin()), is(c.attachStdout()), is(c.attachStderr()), is(c.privileged()),
                c.detachKeys(), size(c.consoleSize())));
        ex.json(201, new IdResponse(session.id()));
    }

    /**
     * Detached: starts and answers 200. Attached: hijacks first, then starts, so that a process that
     * cannot be started is reported in the stream as dockerd does ("OCI runtime exec failed: ..."),
     * and the client then reads the exit code (126/127) from the exec's inspect.
     */
    private void start(Exchange ex) throws Exception {
        ExecStartConfig body = ex.hasBody() ? ex.bodyAs(ExecStartConfig.class) : new ExecStartConfig(false, false, null);
        ExecSession session = engine.exec(ex.path("id"));
        ExecRequest r = session.request();
        DetachKeys keys = DetachKeys.parse(r.detachKeys());
        int[] consoleSize = size(body.consoleSize());
        if (is(body.detach())) {
            try {
                engine.startExec(session.id(), false, consoleSize).close();
            } catch (Engine.ExecStartFailure failure) {
                throw new InvalidArgumentException(failure.getMessage(), failure);
            }
            ex.empty(200);
            return;
        }
        boolean tty = r.tty();
        Exchange.RawStream out = ex.hijack(StreamFrames.contentType(!tty, ex.version().atLeast(1, 42)));
        StreamFrames frames = new StreamFrames(!tty, false);
        Engine.ExecRun run;
        try {
            run = engine.startExec(session.id(), r.attachStdout() || r.attachStderr(), consoleSize);
        } catch (Engine.ExecStartFailure | RuntimeException failure) {
            try (out) {
                out.write(frames.frame(1, (failure.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8)));
            }
            return;
        }
        StdinPump.relay(out, r.attachStdin() ? () -> engine.execStdin(session.id()) : null, tty ? keys : null, !tty,
                session.exit()::isDone, () -> {
                    try (run) {
                        run.stream(new FramingSink(frames, r.attachStdout(), r.attachStderr(), out::write));
                        if (run.output() == null) session.exit().get(); // attached to stdin only: the stream lasts as long as the process
                    }
                });
    }

    private void inspect(Exchange ex) throws Exception {
        ExecSession s = engine.exec(ex.path("id"));
        ExecRequest r = s.request();
        ExecSession.Phase phase = s.phase();
        ex.json(200, new ExecInspect(false, s.containerId(), r.detachKeys(), s.exitCode(), s.id(), r.attachStderr(),
                r.attachStdin(), r.attachStdout(),
                new ExecInspect.ProcessConfig(r.cmd().subList(1, r.cmd().size()), r.cmd().getFirst(), r.privileged(), r.tty(), r.user()),
                phase == ExecSession.Phase.RUNNING, phase == ExecSession.Phase.RUNNING ? s.pid() : 0));
    }

    private void resize(Exchange ex) throws Exception {
        engine.resizeExec(ex.path("id"), ex.intQuery("h").orElse(0), ex.intQuery("w").orElse(0));
        ex.empty(200);
    }

    /** ConsoleSize [height, width], docker's 0x0 or absent meaning "not given". */
    private static int[] size(List<Integer> consoleSize) {
        if (consoleSize == null || consoleSize.isEmpty()) return null;
        if (consoleSize.size() != 2 || consoleSize.get(0) == null || consoleSize.get(1) == null || consoleSize.get(0) < 0
                || consoleSize.get(1) < 0) {
            throw new InvalidArgumentException("invalid ConsoleSize " + consoleSize + ": want [height, width]");
        }
        return consoleSize.get(0) == 0 && consoleSize.get(1) == 0 ? null : new int[] {consoleSize.get(0), consoleSize.get(1)};
    }

    private static boolean is(Boolean b) {
        return Boolean.TRUE.equals(b);
    }
}
