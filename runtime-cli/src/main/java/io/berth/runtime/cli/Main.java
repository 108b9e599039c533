package io.berth.runtime.cli;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.linux.LinuxException;
import io.berth.linux.Syscalls;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
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
 * berth-runtime: an OCI runtime with runc's command line, driven by a bundle (config.json + rootfs). Like runc it
 * leaves no process of its own with a container ({@link MonitorlessRuntime}); the plan, cgroups and shim are those
 * berthd's in-process {@code ContainerRuntime} uses.
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
                            flag("Do not wait", "-d", "--detach"), value("File to write the pid to", "--pid-file"), HELP), 1, Integer.MAX_VALUE),
            new CommandLine.Command("pause", "ID", "Freeze every process of a container", List.of(HELP), 1, 1),
            new CommandLine.Command("resume", "ID", "Thaw a paused container", List.of(HELP), 1, 1));

    private final CommandLine line;
    private final MonitorlessRuntime runtime;
    private final List<Integer> heldSignals = new ArrayList<>();
    private long shimPid; // guarded by heldSignals; 0 until the foreground process's shim runs

    private Main(CommandLine line) {
        this.line = line;
        Path shim = Path.of(System.getProperty("berth.shim", System.getProperty("berth.home", ".") + "/native/target/bin/berth-shim"));
        this.runtime = new MonitorlessRuntime(shim, Path.of(line.option("root", "/run/berth-runtime")));
    }

    public static void main(String[] args) {
        int code;
        Main main = null;
        try {
            CommandLine line = CommandLine.parse(args, GLOBALS, COMMANDS);
            main = new Main(line);
            code = main.execute();
        } catch (RuntimeException | StartFailure | IOException e) {
            String message = e.getMessage() == null ? stackTrace(e) : e.getMessage();
            if (main != null) main.logError(message);
            else System.err.println(PROGRAM + ": " + message);
            code = 1;
        }
        System.exit(code);
    }

    private int execute() throws StartFailure, IOException {
        if (line.command() == null) {
            System.out.print(line.flag("version") ? VERSION + "\n" : CommandLine.usage(PROGRAM, "Runs OCI bundles with Berth's runtime.", GLOBALS, COMMANDS));
            return line.flag("version") || line.flag("help") ? 0 : 1;
        }
        if (line.flag("help")) {
            System.out.print(CommandLine.usage(PROGRAM, COMMANDS.stream().filter(c -> c.name().equals(line.command())).findFirst().orElseThrow()));
            return 0;
        }
        String id = line.arguments().getFirst();
        switch (line.command()) {
            case "create" -> launch(id, true);
            case "start" -> runtime.start(id);
            case "state" -> System.out.println(Json.write(runtime.state(id).toJson(), true));
            case "kill" -> runtime.kill(id, Signals.parse(line.arguments().size() > 1 ? line.arguments().get(1) : "TERM"), line.flag("all"));
            case "delete" -> runtime.delete(id, line.flag("force"));
            case "run" -> {
                if (!line.flag("detach")) handleSignals();
                return run(id);
            }
            case "ps" -> ps(id);
            case "exec" -> {
                if (!line.flag("detach")) handleSignals();
                return exec(id);
            }
            case "pause" -> runtime.freeze(id, true);
            case "resume" -> runtime.freeze(id, false);
            default -> throw new IllegalStateException(line.command());
        }
        return 0;
    }

    /** Creates (waitForStart) or runs the bundle's container with this process's stdio: detached, or in the foreground. */
    private int launch(String id, boolean waitForStart) throws StartFailure, IOException {
        long begin = System.nanoTime();
        Bundle bundle = Bundle.load(Path.of(line.option("bundle", ".")));
        long parsed = System.nanoTime();
        Path consoleSocket = consoleSocket();
        boolean foreground = !waitForStart && !line.flag("detach");
        // a detached process's terminal goes to the console socket (the plan checks that); a foreground run's is
        // relayed through this process's stdio by its waiting shim, as runc does
        if (foreground && consoleSocket != null) {
            throw new InvalidArgumentException("cannot use console socket if runc will not detach or allocate tty");
        }
        java.util.function.Consumer<OciState> started = state -> {
            if (line.flag("debug")) printTimings(begin, parsed);
            writePidFile(state.pid());
        };
        if (foreground) return runtime.runInForeground(id, bundle, this::forwardSignalsTo, started);
        started.accept(runtime.create(id, bundle, consoleSocket, waitForStart));
        return 0;
    }

    private void printTimings(long begin, long parsed) {
        LaunchTimings t = runtime.lastLaunchTimings();
        long jvm = ManagementFactory.getRuntimeMXBean().getUptime() - (System.nanoTime() - STARTED) / 1_000_000;
        System.err.printf("%s: JVM start to main %d ms, main to command %.1f ms, config.json %.1f ms,"
                        + " plan (seccomp included) %.1f ms, cgroup beyond the plan %.1f ms, shim to report %.1f ms%n", PROGRAM, jvm,
                (begin - STARTED) / 1e6, (parsed - begin) / 1e6, t.planNanos() / 1e6, t.cgroupNanos() / 1e6, t.shimNanos() / 1e6);
    }

    /** runc's --pid-file, written atomically; nothing without the option. */
    private void writePidFile(int pid) {
        if (!line.flag("pid-file")) return;
        Path pidFile = Path.of(line.option("pid-file", ""));
        Path tmp = pidFile.toAbsolutePath().resolveSibling("." + pidFile.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, Integer.toString(pid));
            Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("write pid file " + pidFile, e);
        }
    }

    /** runc's --console-socket: where a detached process's pty master goes; null without the option. */
    private Path consoleSocket() {
        return line.flag("console-socket") ? Path.of(line.option("console-socket", "")) : null;
    }

    /** run: create and start; in the foreground, wait, exit with the container's status and delete it. */
    private int run(String id) throws StartFailure, IOException {
        int code = launch(id, false);
        if (line.flag("detach")) return code;
        long exited = System.nanoTime();
        runtime.delete(id, true);
        if (line.flag("debug")) System.err.printf("%s: delete %.1f ms%n", PROGRAM, (System.nanoTime() - exited) / 1e6);
        return code;
    }

    /** runc exec: the bundle's process with the given arguments, environment additions and cwd, or --process's JSON. */
    private int exec(String id) throws StartFailure, IOException {
        Process process;
        if (line.flag("process")) {
            try {
                process = SpecJson.readProcess(Files.readString(Path.of(line.option("process", ""))));
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("--process: " + e.getMessage());
            }
        } else {
            if (line.arguments().size() < 2) throw new InvalidArgumentException("exec: a command or --process is needed");
            Process p = Bundle.load(Path.of(runtime.state(id).bundle())).spec().process();
            List<String> env = new ArrayList<>(p.env() == null ? List.of() : p.env());
            env.addAll(line.values("env"));
            process = new Process(line.flag("tty"), null, p.user(), line.arguments().subList(1, line.arguments().size()), null, env,
                    line.option("cwd", p.cwd()), p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(),
                    p.oomScoreAdj(), p.selinuxLabel());
        }
        if (!line.flag("detach") && consoleSocket() != null)
            throw new InvalidArgumentException("cannot use console socket if runc will not detach or allocate tty");
        int result = runtime.exec(id, process, consoleSocket(), line.flag("detach") ? null : this::forwardSignalsTo, this::writePidFile);
        return line.flag("detach") ? 0 : result;
    }

    /**
     * A foreground process gets the signals this runtime gets, as with runc: they go to its shim, which passes them
     * on to the process. A signal that comes while the shim starts is held and delivered right after.
     */
    private void forwardSignalsTo(long shimPid) {
        List<Integer> held;
        synchronized (heldSignals) {
            this.shimPid = shimPid;
            held = List.copyOf(heldSignals);
        }
        held.forEach(signal -> deliver(shimPid, signal));
    }

    /** Handlers go in before the shim runs: the container may be quick to expect its signals. */
    private void handleSignals() {
        for (String name : List.of("INT", "TERM", "HUP", "USR1", "USR2", "WINCH")) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                long pid;
                synchronized (heldSignals) {
                    pid = shimPid;
                    if (pid == 0) heldSignals.add(signal.getNumber());
                }
                if (pid != 0) deliver(pid, signal.getNumber());
            });
        }
    }

    private static void deliver(long pid, int signal) {
        try {
            Syscalls.kill((int) pid, signal);
        } catch (LinuxException e) {
            // it has exited meanwhile
        }
    }

    private void ps(String id) throws IOException {
        List<Integer> pids = runtime.processes(id);
        switch (line.option("format", "table")) {
            case "json" -> System.out.println(Json.write(pids, false));
            case "table" -> {
                System.out.println("PID\tCMD");
                for (int pid : pids) System.out.println(pid + "\t" + commandOf(pid));
            }
            default -> throw new InvalidArgumentException("--format: table or json, not " + line.option("format", ""));
        }
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
