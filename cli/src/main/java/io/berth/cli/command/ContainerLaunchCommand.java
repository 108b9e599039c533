package io.berth.cli.command;

import io.berth.api.model.ContainerConfig;
import io.berth.api.model.ContainerCreateResponse;
import io.berth.api.model.PortBinding;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageReference;
import io.berth.cli.terminal.WindowSize;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flags `create` and `run` share, turned into a create body; creating pulls a missing image
 * first, as docker does. Failures before the container runs exit with 125.
 */
abstract class ContainerLaunchCommand extends ApiCommand {
    @Option(names = "--name", description = "Assign a name to the container")
    String name;
    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set environment variables")
    List<String> env = new ArrayList<>();
    @Option(names = "--env-file", paramLabel = "FILE", description = "Read in a file of environment variables")
    List<String> envFiles = new ArrayList<>();
    @Option(names = {"-a", "--attach"}, paramLabel = "STREAM", description = "Attach to STDIN, STDOUT or STDERR")
    List<String> attach = new ArrayList<>();
    @Option(names = {"-l", "--label"}, paramLabel = "K=V", description = "Set metadata on a container")
    List<String> labels = new ArrayList<>();
    @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container")
    String workdir;
    @Option(names = {"-h", "--hostname"}, description = "Container host name")
    String hostname;
    @Option(names = {"-u", "--user"}, description = "Username or UID (format: <name|uid>[:<group|gid>])")
    String user;
    @Option(names = "--entrypoint", description = "Overwrite the default ENTRYPOINT of the image")
    String entrypoint;
    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY")
    boolean tty;
    @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached")
    boolean interactive;
    @Option(names = "--rm", description = "Automatically remove the container when it exits")
    boolean autoRemove;
    @Option(names = {"-v", "--volume"}, description = "Bind mount a volume")
    List<String> volumes = new ArrayList<>();
    @Option(names = {"-p", "--publish"}, description = "Publish a container's port(s) to the host")
    List<String> publish = new ArrayList<>();
    @Option(names = {"--network", "--net"}, description = "Connect a container to a network")
    String network;
    @Option(names = "--privileged", description = "Give extended privileges to this container")
    boolean privileged;
    @Mixin
    ResourceFlags resources = new ResourceFlags();
    @Option(names = "--oom-kill-disable", description = "Disable OOM Killer")
    boolean oomKillDisable;
    @Option(names = "--restart", description = "Restart policy to apply when a container exits")
    String restart;
    @Option(names = "--init", description = "Run an init inside the container that forwards signals and reaps processes")
    boolean init;
    @Option(names = "--read-only", description = "Mount the container's root filesystem as read only")
    boolean readOnly;
    @Option(names = "--cap-add", description = "Add Linux capabilities")
    List<String> capAdd = new ArrayList<>();
    @Option(names = "--cap-drop", description = "Drop Linux capabilities")
    List<String> capDrop = new ArrayList<>();
    @Option(names = "--security-opt", description = "Security Options")
    List<String> securityOpt = new ArrayList<>();
    @Option(names = "--tmpfs", description = "Mount a tmpfs directory")
    List<String> tmpfs = new ArrayList<>();
    @Option(names = "--ulimit", description = "Ulimit options (name=soft[:hard])")
    List<String> ulimits = new ArrayList<>();
    @Option(names = "--group-add", description = "Add additional groups to join")
    List<String> groupAdd = new ArrayList<>();
    @Option(names = "--pid", description = "PID namespace to use")
    String pid;
    @Option(names = "--ipc", description = "IPC mode to use")
    String ipc;
    @Option(names = "--uts", description = "UTS namespace to use")
    String uts;
    @Option(names = "--userns", description = "User namespace to use (host: opt out of the daemon's --userns-remap)")
    String userns;
    @Option(names = "--device", description = "Add a host device to the container")
    List<String> devices = new ArrayList<>();
    @Option(names = "--add-host", description = "Add a custom host-to-IP mapping (host:ip)")
    List<String> addHost = new ArrayList<>();
    @Option(names = "--dns", description = "Set custom DNS servers")
    List<String> dns = new ArrayList<>();
    @Option(names = "--stop-signal", description = "Signal to stop the container")
    String stopSignal;
    @Option(names = "--stop-timeout", description = "Timeout (in seconds) to stop a container")
    Integer stopTimeout;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to create the container from")
    String image;
    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command and arguments")
    List<String> command;

    /** Whether the container is run in the background (run -d), which attaches no stream. */
    abstract boolean detached();

    /** The streams the container is created attached to: docker's -a, else stdout and stderr, plus stdin with -i. */
    record AttachedStreams(boolean stdin, boolean stdout, boolean stderr) {
        boolean output() {
            return stdout || stderr;
        }
    }

    AttachedStreams attachedStreams() {
        if (detached()) {
            return new AttachedStreams(false, false, false);
        }
        List<String> streams = ContainerFlags.attachStreams(attach);
        return new AttachedStreams(streams.contains("stdin") || interactive,
                streams.isEmpty() || streams.contains("stdout"), streams.isEmpty() || streams.contains("stderr"));
    }

    /** Creates the container, pulling its image first when the daemon does not have it; returns the id. */
    String createContainer() throws IOException {
        ImageReference reference = image.matches("(sha256:)?[0-9a-f]{12,64}") ? null : ImageReference.parse(image);
        ContainerConfig config = containerConfig();
        String path = EngineClient.query("/containers/create", EngineClient.parameters("name", name));
        try {
            return create(path, config);
        } catch (DaemonErrorException e) {
            if (!e.isNotFound() || reference == null || !e.getMessage().toLowerCase(Locale.ROOT).contains("no such image")) {
                throw e;
            }
            err().println("Unable to find image '" + reference.familiarString() + "' locally");
            new ImagePull(client(), err()).pull(reference, null, registryAuth(reference.domain()));
            return create(path, config);
        }
    }

    private String create(String path, ContainerConfig config) throws IOException {
        ContainerCreateResponse created = client().postJson(path, config, ContainerCreateResponse.class);
        if (created.warnings() != null) {
            created.warnings().forEach(warning -> err().println("WARNING: " + warning));
        }
        return created.id();
    }

    /** The create body; built as a map so only flags the user gave are sent. */
    ContainerConfig containerConfig() {
        Map<String, Object> hostConfig = new LinkedHashMap<>();
        putIf(hostConfig, "Binds", volumes);
        putIf(hostConfig, "NetworkMode", network);
        putIf(hostConfig, "AutoRemove", autoRemove);
        putIf(hostConfig, "Privileged", privileged);
        putIf(hostConfig, "ReadonlyRootfs", readOnly);
        putIf(hostConfig, "Init", init ? Boolean.TRUE : null);
        putIf(hostConfig, "CapAdd", capAdd);
        putIf(hostConfig, "CapDrop", capDrop);
        putIf(hostConfig, "SecurityOpt", ContainerFlags.securityOptions(securityOpt));
        putIf(hostConfig, "ExtraHosts", addHost);
        putIf(hostConfig, "Dns", dns);
        resources.addTo(hostConfig);
        putIf(hostConfig, "OomKillDisable", oomKillDisable);
        putIf(hostConfig, "Ulimits", ulimits.stream().map(ContainerFlags::ulimit).toList());
        putIf(hostConfig, "GroupAdd", groupAdd);
        putIf(hostConfig, "PidMode", pid);
        putIf(hostConfig, "IpcMode", ipc);
        putIf(hostConfig, "UTSMode", uts);
        putIf(hostConfig, "UsernsMode", userns);
        putIf(hostConfig, "Devices", devices.stream().map(ContainerFlags::device).toList());
        putIf(hostConfig, "RestartPolicy", restart == null ? null : ContainerFlags.restartPolicy(restart));
        putIf(hostConfig, "Tmpfs", tmpfs.isEmpty() ? null : ContainerFlags.tmpfs(tmpfs));

        Map<String, Object> exposedPorts = new LinkedHashMap<>();
        Map<String, List<PortBinding>> portBindings = new LinkedHashMap<>();
        for (String value : publish) {
            ContainerFlags.PublishedPort port = ContainerFlags.publishedPort(value);
            exposedPorts.put(port.key(), Map.of());
            portBindings.computeIfAbsent(port.key(), key -> new ArrayList<>()).add(port.binding());
        }
        putIf(hostConfig, "PortBindings", portBindings.isEmpty() ? null : portBindings);

        // docker sends the local terminal's size so the container's tty starts right, not at 0x0.
        putIf(hostConfig, "ConsoleSize", root().terminal.windowSize().map(WindowSize::consoleSize).orElse(null));

        AttachedStreams streams = attachedStreams();
        Map<String, Object> config = new LinkedHashMap<>();
        putIf(config, "Hostname", hostname);
        putIf(config, "User", user);
        config.put("AttachStdin", streams.stdin());
        config.put("AttachStdout", streams.stdout());
        config.put("AttachStderr", streams.stderr());
        putIf(config, "ExposedPorts", exposedPorts.isEmpty() ? null : exposedPorts);
        config.put("Tty", tty);
        config.put("OpenStdin", interactive);
        // An attached stdin closes when the client detaches, so a shell reading it ends with the session.
        config.put("StdinOnce", interactive && streams.stdin());
        putIf(config, "Env", ContainerFlags.environment(envFiles, env, root().environment));
        putIf(config, "Cmd", command);
        config.put("Image", image);
        putIf(config, "WorkingDir", workdir);
        putIf(config, "Entrypoint", entrypoint == null ? null : List.of(entrypoint));
        putIf(config, "Labels", labels.isEmpty() ? null : ContainerFlags.labels(labels));
        putIf(config, "StopSignal", stopSignal);
        putIf(config, "StopTimeout", stopTimeout);
        config.put("HostConfig", hostConfig);
        return client().mapper().convertValue(config, ContainerConfig.class);
    }

    private static void putIf(Map<String, Object> target, String key, Object value) {
        boolean absent = value == null || Boolean.FALSE.equals(value) || value instanceof List<?> list && list.isEmpty();
        if (!absent) {
            target.put(key, value);
        }
    }
}
