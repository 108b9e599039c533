package io.berth.runtime.cli;

import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.ContainerProcess;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.LaunchTimings;
import io.berth.runtime.StartFailure;
import io.berth.runtime.json.Json;
import io.berth.runtime.json.SpecJson;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.berth.runtime.cli.CommandLine.Option.flag;
import static io.berth.runtime.cli.CommandLine.Option.value;

/**
 * berth-runtime: an OCI runtime with runc's command line, driven by a bundle (config.json + rootfs). The work is
 * done by {@link ContainerRuntime}, the same code berthd runs in-process.
 */
public final class Main {
    private static final long STARTED = System.nanoTime();
    private static final String PROGRAM = "berth-runtime";
    private static final String VERSION = "berth-runtime 0.1.0\nspec: " + Spec.VERSION;
    private static final CommandLine.Option HELP = flag("Show this help", "-h", "--help");
    private static final List<CommandLine.Option> GLOBALS = List.of(
            value("Directory of the containers' state (default /run/berth-runtime)", "--root"),
            value("File errors are appended to, besides stderr", "--log"),
            value("Format of --log: text or json", "--log-format"),
            flag("Print where the time of a start went", "--debug"),
            flag("Accepted for runc compatibility; cgroupsPath is a plain path", "--systemd-cgroup"),
            flag("Print the version", "-v", "--version"), HELP);
    private static final String CONSOLE_SOCKET_HELP = "Unix socket that receives the pty master (SCM_RIGHTS) when process.terminal is true";
    private static final CommandLine.Option IGNORED = flag("Accepted for runc compatibility", "--no-pivot", "--no-new-keyring");
    private static final List<CommandLine.Command> COMMANDS = List.of(
            new CommandLine.Command("create", "ID", "Create a container from a bundle; its process waits for `start`", List.of(
                    value("Bundle directory (default: current directory)", "-b", "--bundle"), value("File to write the pid to", "--pid-file"),
                    value(CONSOLE_SOCKET_HELP, "--console-socket"), IGNORED, HELP), 1, 1),
            new CommandLine.Command("start", "ID", "Start a created container", List.of(HELP), 1, 1),
            new CommandLine.Command("state", "ID", "Print a container's OCI state as JSON", List.of(HELP), 1, 1),
            new CommandLine.Command("kill", "ID [SIGNAL]", "Send a signal (default TERM) to pid 1, or to all processes",
                    List.of(flag("Signal every process of the container", "-a", "--all"), HELP), 1, 2),
            new CommandLine.Command("delete", "ID", "Delete a stopped container (--force: any)",
                    List.of(flag("Kill it first if it runs", "-f", "--force"), HELP), 1, 1),
            new CommandLine.Command("run", "ID", "Create and start a container, wait, and exit with its status", List.of(
                    value("Bundle directory (default: current directory)", "-b", "--bundle"), value("File to write the pid to", "--pid-file"),
                    value(CONSOLE_SOCKET_HELP, "--console-socket"), flag("Do not wait for the container", "-d", "--detach"),
                    flag("Accepted for runc compatibility", "--keep"), IGNORED, HELP), 1, 1),
            new CommandLine.Command("ps", "ID", "List the processes of a container",
                    List.of(value("table or json", "-f", "--format"), HELP), 1, 1),
            new CommandLine.Command("exec", "ID [COMMAND ARGS...]", "Run a process in a running container",
                    List.of(value("process.json", "-p", "--process"), value("KEY=VALUE", "-e", "--env"), value("Working directory", "--cwd"),
                            flag("Allocate a terminal (with --detach and --console-socket)", "-t", "--tty"), value(CONSOLE_SOCKET_HELP, "--console-socket"),
                            flag("Do not wait", "-d", "--detach"), value("File to write the pid to", "--pid-file"), HELP), 1, Integer.MAX_VALUE));

    private final CommandLine line;
    private final Path root;
    private ContainerRuntime runtime;
    private final List<Integer> heldSignals = new ArrayList<>();
    private boolean started; // guarded by heldSignals

    private Main(CommandLine line) {
        this.line = line;
        this.root = Path.of(line.option("root", "/run/berth-runtime")).toAbsolutePath();
    }

    public static void main(String[] args) {
        int code;
        Main main = null;
        try {
            CommandLine line = CommandLine.parse(args, GLOBALS, COMMANDS);
            main = new Main(line);
            code = main.execute();
        } catch (RuntimeException | StartFailure | IOException | InterruptedException e) {
            String message = e.getMessage() == null ? stackTrace(e) : e.getMessage();
            if (main != null) main.logError(message);
            else System.err.println(PROGRAM + ": " + message);
            code = 1;
        } finally {
            if (main != null && main.runtime != null) main.runtime.close();
        }
        System.exit(code);
    }

    private int execute() throws StartFailure, IOException, InterruptedException {
        if (line.command() == null) {
            System.out.print(line.flag("version") ? VERSION + "\n" : CommandLine.usage(PROGRAM, "Runs OCI bundles with Berth's runtime.", GLOBALS, COMMANDS));
            return line.flag("version") || line.flag("help") ? 0 : 1;
        }
        if (line.flag("help")) {
            System.out.print(CommandLine.usage(PROGRAM, COMMANDS.stream().filter(c -> c.name().equals(line.command())).findFirst().orElseThrow()));
            return 0;
        }
        String id = line.arguments().getFirst();
        return switch (line.command()) {
            case "create" -> {
                launch(id, true);
                yield 0;
            }
            case "start" -> {
                runtime().startCreated(id);
                yield 0;
            }
            case "state" -> {
                System.out.println(Json.write(ociState(id).toJson(), true));
                yield 0;
            }
            case "kill" -> kill(id, Signals.parse(line.arguments().size() > 1 ? line.arguments().get(1) : "TERM"));
            case "delete" -> delete(id);
            case "run" -> run(id);
            case "ps" -> ps(id);
            case "exec" -> exec(id);
            default -> throw new IllegalStateException(line.command());
        };
    }

    private synchronized ContainerRuntime runtime() {
        if (runtime == null) {
            Path shim = Path.of(System.getProperty("berth.shim", System.getProperty("berth.home", ".") + "/native/target/bin/berth-shim"));
            runtime = new ContainerRuntime(shim, root);
        }
        return runtime;
    }

    private OciState ociState(String id) {
        ContainerStatus status = runtime().statusOf(id).orElseThrow(() -> new NotFoundException("container \"" + id + "\" does not exist"));
        try {
            int pid = status == ContainerStatus.STOPPED ? 0 : runtime().find(id).map(ContainerProcess::pid).orElse(0);
            return OciState.read(root.resolve(id)).withProcess(pid, status.ociName());
        } catch (IOException e) {
            throw new NotFoundException("container \"" + id + "\" does not exist");
        }
    }

    /** Creates (waitForStart) or runs the bundle's container with this process's stdio and records what `state` shows. */
    private ContainerProcess launch(String id, boolean waitForStart) throws StartFailure, IOException {
        long begin = System.nanoTime();
        Bundle bundle = Bundle.load(Path.of(line.option("bundle", ".")));
        long parsed = System.nanoTime();
        Path consoleSocket = consoleSocket();
        // a detached process's terminal goes to the console socket (the runtime checks that); runc relays a
        // foreground run's terminal through its own stdio, which this runtime does not do
        if (!waitForStart && !line.flag("detach")) {
            if (consoleSocket != null) throw new InvalidArgumentException("cannot use console socket if runc will not detach or allocate tty");
            if (bundle.spec().process() != null && Boolean.TRUE.equals(bundle.spec().process().terminal()))
                throw new InvalidArgumentException("a foreground run with process.terminal is not supported: use run -d --console-socket");
        }
        ContainerProcess process = waitForStart ? runtime().createWithInheritedStdio(id, bundle.spec(), List.of(), consoleSocket)
                : runtime().startWithInheritedStdio(id, bundle.spec(), List.of(), consoleSocket);
        if (line.flag("debug")) {
            LaunchTimings t = runtime().lastLaunchTimings();
            long jvm = ManagementFactory.getRuntimeMXBean().getUptime() - (System.nanoTime() - STARTED) / 1_000_000;
            System.err.printf("%s: JVM start to main %d ms, main to command %.1f ms, config.json %.1f ms, cgroup %.1f ms,"
                            + " plan (seccomp included) %.1f ms, shim %.1f ms%n", PROGRAM, jvm, (begin - STARTED) / 1e6,
                    (parsed - begin) / 1e6, t.cgroupNanos() / 1e6, t.planNanos() / 1e6, t.shimNanos() / 1e6);
        }
        String version = bundle.spec().ociVersion() == null ? Spec.VERSION : bundle.spec().ociVersion();
        new OciState(version, id, process.pid(), null, bundle.directory().toString(), bundle.rootfs().toString(),
                process.startedAt().toString(), bundle.spec().annotations()).write(root.resolve(id));
        if (line.flag("pid-file")) writePidFile(Path.of(line.option("pid-file", "")), process.pid());
        return process;
    }

    /** runc's --console-socket: where a detached process's pty master goes; null without the option. */
    private Path consoleSocket() {
        return line.flag("console-socket") ? Path.of(line.option("console-socket", "")) : null;
    }

    private static void writePidFile(Path pidFile, int pid) throws IOException {
        Path tmp = pidFile.toAbsolutePath().resolveSibling("." + pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(pid));
        Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private int run(String id) throws StartFailure, IOException, InterruptedException {
        if (!line.flag("detach")) forwardSignals(id); // before the start: the container may be quick to expect them
        ContainerProcess process = launch(id, false);
        if (line.flag("detach")) return 0;
        markStarted(id);
        long begin = System.nanoTime();
        ExitStatus exit;
        try {
            exit = process.exit().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("wait for container " + id + ": " + e.getCause().getMessage(), e);
        }
        long exited = System.nanoTime();
        runtime().delete(id);
        if (line.flag("debug"))
            System.err.printf("%s: wait for exit %.1f ms, delete %.1f ms%n", PROGRAM, (exited - begin) / 1e6, (System.nanoTime() - exited) / 1e6);
        return exit.exitCode();
    }

    /** runc exec: the bundle's process with the given arguments, environment additions and cwd, or --process's JSON. */
    private int exec(String id) throws StartFailure, IOException, InterruptedException {
        OciState state = ociState(id);
        Spec container = Bundle.load(Path.of(state.bundle())).spec();
        Process process;
        if (line.flag("process")) {
            try {
                process = SpecJson.readProcess(Files.readString(Path.of(line.option("process", ""))));
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("--process: " + e.getMessage());
            }
        } else {
            if (line.arguments().size() < 2) throw new InvalidArgumentException("exec: a command or --process is needed");
            Process p = container.process();
            List<String> env = new ArrayList<>(p.env() == null ? List.of() : p.env());
            env.addAll(line.values("env"));
            process = new Process(line.flag("tty"), null, p.user(), line.arguments().subList(1, line.arguments().size()), null, env,
                    line.option("cwd", p.cwd()), p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(),
                    p.oomScoreAdj(), p.selinuxLabel());
        }
        String execId = "exec" + Long.toHexString(System.nanoTime());
        Path consoleSocket = consoleSocket();
        if (!line.flag("detach") && Boolean.TRUE.equals(process.terminal()))
            throw new InvalidArgumentException("an exec with a terminal is supported only with --detach and --console-socket");
        ContainerProcess exec = runtime().execWithInheritedStdio(id, execId, container, process, consoleSocket);
        if (line.flag("pid-file")) writePidFile(Path.of(line.option("pid-file", "")), exec.pid());
        if (line.flag("detach")) return 0;
        try {
            return exec.exit().get().exitCode();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("wait for exec in " + id + ": " + e.getCause().getMessage(), e);
        } finally {
            runtime().deleteExec(id, execId);
        }
    }

    /**
     * A foreground run passes the signals it gets on to the container's pid 1, as runc does. Handlers go in before
     * the start; a signal that comes before the container is known is held and delivered right after it is.
     */
    private void forwardSignals(String id) {
        for (String name : List.of("INT", "TERM", "HUP", "USR1", "USR2", "WINCH")) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                synchronized (heldSignals) {
                    if (!started) {
                        heldSignals.add(signal.getNumber());
                        return;
                    }
                }
                deliver(id, signal.getNumber());
            });
        }
    }

    private void markStarted(String id) {
        List<Integer> held;
        synchronized (heldSignals) {
            started = true;
            held = List.copyOf(heldSignals);
        }
        held.forEach(signal -> deliver(id, signal));
    }

    private void deliver(String id, int signal) {
        try {
            runtime().kill(id, signal);
        } catch (RuntimeException e) {
            // it has exited meanwhile
        }
    }

    private int kill(String id, int signal) {
        if (!line.flag("all")) {
            runtime().kill(id, signal);
            return 0;
        }
        for (int pid : runtime().processes(id)) {
            try {
                Syscalls.kill(pid, signal);
            } catch (LinuxException e) {
                // it exited meanwhile
            }
        }
        return 0;
    }

    private int delete(String id) throws InterruptedException {
        var process = runtime().find(id);
        if (process.isPresent() && !process.get().exit().isDone()) {
            // like runc, a created container (nothing of its own has run yet) goes without --force
            boolean created = runtime().statusOf(id).orElse(null) == ContainerStatus.CREATED;
            if (!line.flag("force") && !created) throw new ConflictException("cannot delete container " + id + " that is not stopped: use --force");
            runtime().kill(id, 9);
            try {
                process.get().exit().get();
            } catch (java.util.concurrent.ExecutionException e) {
                // its state went away meanwhile: nothing left to wait for
            }
        }
        if (!Files.isDirectory(root.resolve(id))) {
            if (line.flag("force")) return 0;
            throw new NotFoundException("container \"" + id + "\" does not exist");
        }
        runtime().delete(id);
        return 0;
    }

    private int ps(String id) {
        List<Integer> pids = runtime().processes(id);
        switch (line.option("format", "table")) {
            case "json" -> System.out.println(Json.write(pids, false));
            case "table" -> {
                System.out.println("PID\tCMD");
                for (int pid : pids) System.out.println(pid + "\t" + commandOf(pid));
            }
            default -> throw new InvalidArgumentException("--format: table or json, not " + line.option("format", ""));
        }
        return 0;
    }

    private static String commandOf(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline")).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    private void logError(String message) {
        System.err.println(PROGRAM + ": " + message);
        if (!line.flag("log")) return;
        String time = Instant.now().toString();
        String entry = "json".equals(line.option("log-format", "text"))
                ? Json.write(java.util.Map.of("level", "error", "msg", message, "time", time), false) + "\n"
                : "time=\"" + time + "\" level=error msg=" + Json.write(message, false) + "\n";
        try {
            Files.writeString(Path.of(line.option("log", "")), entry, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println(PROGRAM + ": cannot write log " + line.option("log", "") + ": " + e.getMessage());
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
