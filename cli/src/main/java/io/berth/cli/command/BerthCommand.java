package io.berth.cli.command;

import io.berth.cli.client.DaemonAddress;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.DaemonUnreachableException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.client.HttpTransport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.berth.cli.terminal.LocalTerminal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Callable;

/** The root `berth` command: global flags, the daemon connection, and docker's error and exit-code conventions. */
@Command(name = "berth", description = "A self-sufficient runtime for containers, speaking the Docker Engine API.",
        versionProvider = BerthCommand.Version.class)
public final class BerthCommand implements Callable<Integer> {
    public static final String CLIENT_VERSION = "0.1.0";
    /** Docker's status for failures of the CLI or daemon itself, as opposed to the container's. */
    public static final int ENGINE_FAILURE = 125;
    private static final int COMMAND_FAILURE = 1;

    /**
     * The subcommands by name, in help order. Picocli builds a command's model by reflection when
     * it is added, which costs more than everything else at start-up, so only the one invoked is added.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("run", RunCommand::new);
        commands.put("create", CreateCommand::new);
        commands.put("exec", ExecCommand::new);
        commands.put("attach", AttachCommand::new);
        commands.put("start", StartCommand::new);
        commands.put("stop", StopCommand::new);
        commands.put("restart", RestartCommand::new);
        commands.put("kill", KillCommand::new);
        commands.put("pause", PauseCommand::new);
        commands.put("unpause", UnpauseCommand::new);
        commands.put("top", TopCommand::new);
        commands.put("stats", StatsCommand::new);
        commands.put("update", UpdateCommand::new);
        commands.put("wait", WaitCommand::new);
        commands.put("rm", RmCommand::new);
        commands.put("ps", PsCommand::new);
        commands.put("logs", LogsCommand::new);
        commands.put("inspect", InspectCommand::new);
        commands.put("pull", PullCommand::new);
        commands.put("import", ImportCommand::new);
        commands.put("images", ImagesCommand::new);
        commands.put("rmi", RmiCommand::new);
        commands.put("tag", TagCommand::new);
        commands.put("push", PushCommand::new);
        commands.put("login", LoginCommand::new);
        commands.put("logout", LogoutCommand::new);
        commands.put("save", SaveCommand::new);
        commands.put("load", LoadCommand::new);
        commands.put("history", HistoryCommand::new);
        commands.put("commit", CommitCommand::new);
        commands.put("diff", DiffCommand::new);
        commands.put("export", ExportCommand::new);
        commands.put("image", CommandGroup.Image::new);
        commands.put("system", CommandGroup.SystemGroup::new);
        commands.put("version", VersionCommand::new);
        commands.put("info", InfoCommand::new);
        return commands;
    }

    @Spec
    CommandSpec spec;

    @Option(names = {"-H", "--host"}, paramLabel = "HOST", description = "Daemon socket to connect to (unix:///path or tcp://host:port)")
    String host;

    @Option(names = "--help", usageHelp = true, description = "Print usage")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "Print version information and quit")
    boolean version;

    final PrintStream out;
    final PrintStream err;
    final Map<String, String> environment;
    final LocalTerminal terminal;
    private EngineClient client;

    BerthCommand(PrintStream out, PrintStream err, Map<String, String> environment) {
        this(LocalTerminal.piped(InputStream.nullInputStream()), out, err, environment);
    }

    BerthCommand(LocalTerminal terminal, PrintStream out, PrintStream err, Map<String, String> environment) {
        this.terminal = terminal;
        this.out = out;
        this.err = err;
        this.environment = environment;
    }

    /** Parses and runs one command line with no input; returns the exit status. */
    public static int execute(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
        return execute(args, LocalTerminal.piped(InputStream.nullInputStream()), out, err, environment);
    }

    /** Parses and runs one command line reading the given terminal's input; returns the exit status. */
    public static int execute(String[] args, LocalTerminal terminal, PrintStream out, PrintStream err, Map<String, String> environment) {
        BerthCommand root = new BerthCommand(terminal, out, err, environment);
        CommandLine commandLine = commandLine(root, args);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((e, ignored) -> root.badArguments(e));
        commandLine.setExecutionExceptionHandler((e, failed, ignored) -> root.failed(e, failed));
        try {
            return commandLine.execute(args);
        } finally {
            root.closeClient();
        }
    }

    /** The root command with the invoked subcommand, or with all of them for help and unknown commands. */
    static CommandLine commandLine(BerthCommand root, String[] args) {
        CommandLine commandLine = new CommandLine(root);
        String requested = requestedCommand(args);
        SUBCOMMANDS.forEach((name, command) -> {
            if (requested == null || !SUBCOMMANDS.containsKey(requested) || requested.equals(name)) {
                commandLine.addSubcommand(name, command.get());
            }
        });
        // Like docker: every word after the image is the container's command, flags included.
        for (String launcher : new String[]{"run", "create", "exec"}) {
            if (commandLine.getSubcommands().containsKey(launcher)) {
                commandLine.getSubcommands().get(launcher).setStopAtPositional(true);
            }
        }
        return commandLine;
    }

    /** The first word that is neither a global flag nor the value of -H. */
    static String requestedCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-H") || arg.equals("--host")) {
                i++;
            } else if (!arg.startsWith("-")) {
                return arg;
            }
        }
        return null;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return 0;
    }

    /** The daemon client, created on first use so that flag errors and help never touch Netty. */
    EngineClient client() {
        if (client == null) {
            DaemonAddress address = DaemonAddress.resolve(host, environment);
            client = new EngineClient(new HttpTransport(address), environment.get("DOCKER_API_VERSION"));
        }
        return client;
    }

    private void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    /** Docker's wording: unknown flags exit 125, a wrong number of arguments or an unknown command 1. */
    private int badArguments(CommandLine.ParameterException e) {
        CommandLine commandLine = e.getCommandLine();
        String name = commandLine.getCommandSpec().qualifiedName(" ");
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().getFirst();
            if (first.startsWith("--")) {
                return usageError(name, "unknown flag: " + first.split("=", 2)[0], ENGINE_FAILURE);
            }
            if (first.startsWith("-") && first.length() > 1) {
                return usageError(name, "unknown shorthand flag: '" + first.charAt(1) + "' in " + first, ENGINE_FAILURE);
            }
            if (commandLine.getCommand() == this) {
                return usageError(name, "berth: unknown command: berth " + first, COMMAND_FAILURE);
            }
            return usageError(name, "berth: '" + name + "' got an unexpected argument: " + first, COMMAND_FAILURE);
        }
        if (e instanceof CommandLine.MissingParameterException) {
            return usageError(name, "berth: '" + name + "' requires " + requiredArguments(commandLine.getCommandSpec()), COMMAND_FAILURE);
        }
        return usageError(name, e.getMessage(), ENGINE_FAILURE);
    }

    /** docker's wording of a command's arity: "1 argument", "at least 2 arguments". */
    static String requiredArguments(CommandSpec command) {
        int minimum = 0;
        boolean unbounded = false;
        for (CommandLine.Model.PositionalParamSpec positional : command.positionalParameters()) {
            minimum += positional.arity().min();
            unbounded |= positional.arity().isVariable();
        }
        int count = Math.max(1, minimum);
        return (unbounded ? "at least " : "") + count + (count == 1 ? " argument" : " arguments");
    }

    private int usageError(String name, String message, int status) {
        err.println(message);
        err.println();
        err.println("Run '" + name + " --help' for more information");
        return status;
    }

    /** Prints a failure the way docker words it; run and create fail with 125, other commands with 1. */
    private int failed(Exception e, CommandLine failedCommand) {
        if (e instanceof ExitStatusException status) {
            if (status.getMessage() != null) {
                err.println(status.getMessage());
            }
            return status.status();
        }
        boolean launching = failedCommand.getCommand() instanceof ContainerLaunchCommand;
        String prefix = launching ? "berth: " : "";
        err.println(prefix + describe(e));
        return launching ? ENGINE_FAILURE : COMMAND_FAILURE;
    }

    static String describe(Exception e) {
        return switch (e) {
            case DaemonErrorException daemon -> "Error response from daemon: " + daemon.getMessage();
            case DaemonUnreachableException unreachable -> unreachable.getMessage();
            case IllegalArgumentException invalid -> invalid.getMessage();
            case IOException io -> "error during connect: " + io.getMessage();
            default -> e.toString();
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"Berth version " + CLIENT_VERSION};
        }
    }
}
