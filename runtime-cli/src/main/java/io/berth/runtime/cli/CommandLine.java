package io.berth.runtime.cli;

import io.berth.errdefs.InvalidArgumentException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * runc's command-line shape: global options, a command, its options and positional arguments. Parsed by hand
 * rather than by an annotation-driven library: an OCI runtime is started once per operation and picocli's
 * reflective model alone took longer (about 140 ms here) than a whole container start.
 */
record CommandLine(Map<String, String> options, String command, List<String> arguments) {
    /** An option: its names ("-b", "--bundle"), whether it takes a value, and its help line. */
    record Option(List<String> names, boolean takesValue, String help) {
        static Option flag(String help, String... names) {
            return new Option(List.of(names), false, help);
        }

        static Option value(String help, String... names) {
            return new Option(List.of(names), true, help);
        }

        /** The key options are stored under: the long name without dashes. */
        String key() {
            return names.getLast().replaceFirst("^-+", "");
        }
    }

    /** A command: its name, positional arguments for the usage line, what it does, its options. */
    record Command(String name, String arguments, String help, List<Option> options, int minArguments, int maxArguments) {}

    /**
     * Parses {@code args}: global options until the command name, then the command's options and arguments in any
     * order ("--" ends the options; exec takes everything after the container id as the process's arguments).
     */
    static CommandLine parse(String[] args, List<Option> globals, List<Command> commands) {
        Map<String, String> options = new HashMap<>();
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i++) i = take(args, i, globals, options, "");
        if (i == args.length) return new CommandLine(options, null, List.of());
        String name = args[i++];
        Command command = commands.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidArgumentException("unknown command \"" + name + "\"; see --help"));
        List<String> arguments = new ArrayList<>();
        for (; i < args.length; i++) {
            boolean restIsProcess = command.name().equals("exec") && !arguments.isEmpty();
            if (args[i].equals("--") || restIsProcess && !args[i].startsWith("-")) {
                if (args[i].equals("--")) i++;
                for (; i < args.length; i++) arguments.add(args[i]);
                break;
            }
            if (args[i].startsWith("-") && args[i].length() > 1) i = take(args, i, command.options(), options, name + " ");
            else arguments.add(args[i]);
        }
        if (!options.containsKey("help") && (arguments.size() < command.minArguments() || arguments.size() > command.maxArguments()))
            throw new InvalidArgumentException(name + ": expected " + command.arguments() + ", got " + arguments.size() + " argument(s)");
        return new CommandLine(options, name, arguments);
    }

    /** Stores the option at {@code args[i]} ("--x=v", "--x v", "-x v" or a flag) and returns the index of its last part. */
    private static int take(String[] args, int i, List<Option> known, Map<String, String> into, String where) {
        String arg = args[i];
        int eq = arg.indexOf('=');
        String name = eq > 0 ? arg.substring(0, eq) : arg;
        Option option = known.stream().filter(o -> o.names().contains(name)).findFirst()
                .orElseThrow(() -> new InvalidArgumentException(where + "unknown option " + name));
        if (!option.takesValue()) {
            into.put(option.key(), "true");
            return i;
        }
        if (eq < 0 && i + 1 >= args.length) throw new InvalidArgumentException(where + "option " + name + " needs a value");
        // a repeated option (exec -e A=1 -e B=2) keeps every value, one per line
        into.merge(option.key(), eq > 0 ? arg.substring(eq + 1) : args[i + 1], (old, added) -> old + "\n" + added);
        return eq > 0 ? i : i + 1;
    }

    /** Every value of a repeatable option, in order. */
    List<String> values(String key) {
        String joined = options.get(key);
        return joined == null ? List.of() : List.of(joined.split("\n"));
    }

    String option(String key, String otherwise) {
        return options.getOrDefault(key, otherwise);
    }

    boolean flag(String key) {
        return options.containsKey(key);
    }

    static String usage(String program, String help, List<Option> globals, List<Command> commands) {
        StringBuilder out = new StringBuilder("Usage: " + program + " [OPTIONS] COMMAND [ARGS]\n\n" + help + "\n\nGlobal options:\n");
        appendOptions(out, globals);
        out.append("\nCommands:\n");
        for (Command c : commands) out.append(String.format("  %-8s %-24s %s%n", c.name(), c.arguments(), c.help()));
        return out.toString();
    }

    static String usage(String program, Command command) {
        StringBuilder out = new StringBuilder("Usage: " + program + " " + command.name() + " [OPTIONS] " + command.arguments()
                + "\n\n" + command.help() + "\n\nOptions:\n");
        appendOptions(out, command.options());
        return out.toString();
    }

    private static void appendOptions(StringBuilder out, List<Option> options) {
        for (Option o : options)
            out.append(String.format("  %-28s %s%n", String.join(", ", o.names()) + (o.takesValue() ? " VALUE" : ""), o.help()));
    }
}
