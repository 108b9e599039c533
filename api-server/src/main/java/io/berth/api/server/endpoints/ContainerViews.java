package io.berth.api.server.endpoints;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.ContainerConfig;
import io.berth.api.model.ContainerInspect;
import io.berth.api.model.ContainerSummary;
import io.berth.api.model.GraphDriverData;
import io.berth.api.model.NetworkSettings;
import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerFiles;
import io.berth.engine.container.ContainerSpec;
import io.berth.engine.container.ContainerState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Engine container records in the API's shapes: ps rows and inspect documents. */
final class ContainerViews {
    /** Go's zero time, which docker reports for "never". */
    static final String NEVER = "0001-01-01T00:00:00Z";

    private final ObjectMapper mapper;

    ContainerViews(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ContainerSummary summary(Container c) {
        ContainerSpec s = c.spec();
        String command = Stream.concat(s.entrypoint().stream(), s.cmd().stream()).reduce((a, b) -> a + " " + b).orElse("");
        return new ContainerSummary(c.id(), List.of("/" + c.name()), c.imageReference(), c.imageId(), command,
                c.created().getEpochSecond(), List.of(), null, null, s.labels(), c.state().apiName(), status(c),
                new ContainerSummary.SummaryHostConfig(c.host().networkMode(), null),
                new ContainerSummary.SummaryNetworkSettings(Map.of()), List.of());
    }

    /** The Status column of ps. */
    static String status(Container c) {
        Instant now = Instant.now();
        return switch (c.state()) {
            case RUNNING -> "Up " + HumanDuration.of(Duration.between(c.startedAt(), now));
            case PAUSED -> "Up " + HumanDuration.of(Duration.between(c.startedAt(), now)) + " (Paused)";
            case EXITED -> "Exited (" + c.exitCode() + ") " + HumanDuration.of(Duration.between(c.finishedAt(), now)) + " ago";
            case CREATED -> "Created";
            case REMOVING -> "Removal In Progress";
            case DEAD -> "Dead";
        };
    }

    /** {@code execIds}: the container's exec instances that are still known (docker's ExecIDs, null when none). */
    ContainerInspect inspect(Container c, ContainerFiles files, List<String> execIds) {
        ContainerSpec s = c.spec();
        List<String> argv = new ArrayList<>(s.entrypoint());
        argv.addAll(s.cmd());
        String path = argv.isEmpty() ? "" : argv.getFirst();
        List<String> args = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
        var state = new ContainerInspect.State(c.state().apiName(), c.isRunning(), c.isPaused(), false, c.oomKilled(),
                c.state() == ContainerState.DEAD, c.pid(), c.exitCode(), c.error(), time(c.startedAt()),
                time(c.finishedAt()));
        var driver = new GraphDriverData("overlay2", Map.of(
                "UpperDir", files.upperDir().toString(),
                "WorkDir", files.workDir().toString(),
                "MergedDir", files.mergedDir().toString()));
        var network = new NetworkSettings("", "", "", Map.of(), "", "", 0, "", Map.of());
        return new ContainerInspect(c.id(), time(c.created()), path, List.copyOf(args), state, c.imageId(),
                files.resolvConf().toString(), files.hostnameFile().toString(), files.hostsFile().toString(),
                files.logFile().toString(), "/" + c.name(), 0, "overlay2", "linux", "", "", "", execIds.isEmpty() ? null : execIds,
                HostConfigs.toApi(c.host(), mapper), driver, null, null, List.of(), config(s), network);
    }

    private ContainerConfig config(ContainerSpec s) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("Hostname", s.hostname());
        fields.put("Domainname", s.domainname());
        fields.put("User", s.user());
        fields.put("AttachStdin", s.attachStdin());
        fields.put("AttachStdout", s.attachStdout());
        fields.put("AttachStderr", s.attachStderr());
        fields.put("Tty", s.tty());
        fields.put("OpenStdin", s.openStdin());
        fields.put("StdinOnce", s.stdinOnce());
        fields.put("Env", s.env());
        fields.put("Cmd", s.cmd().isEmpty() ? null : s.cmd());
        fields.put("Image", s.image());
        fields.put("WorkingDir", s.workingDir());
        fields.put("Entrypoint", s.entrypoint().isEmpty() ? null : s.entrypoint());
        fields.put("Labels", s.labels());
        if (s.stopSignal() != null) fields.put("StopSignal", s.stopSignal());
        if (s.stopTimeout() != null) fields.put("StopTimeout", s.stopTimeout());
        return mapper.convertValue(fields, ContainerConfig.class);
    }

    /** RFC 3339 with nanoseconds as docker prints, or Go's zero time for "never". */
    static String time(Instant t) {
        return t == null ? NEVER : t.toString();
    }
}
