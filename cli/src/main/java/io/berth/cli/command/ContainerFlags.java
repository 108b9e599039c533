package io.berth.cli.command;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.HostConfig;
import io.berth.api.model.PortBinding;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parsing of docker's create/run flag values into Engine API fields. */
final class ContainerFlags {
    private ContainerFlags() {
    }

    /** "-e K=V" as given; "-e K" takes K from the CLI's environment and is dropped when unset, as docker does. */
    static List<String> environment(List<String> values, Map<String, String> cliEnvironment) {
        List<String> env = new ArrayList<>();
        for (String value : values) {
            if (value.isEmpty() || value.startsWith("=")) {
                throw new IllegalArgumentException("invalid environment variable: " + value);
            }
            if (value.contains("=")) {
                env.add(value);
            } else if (cliEnvironment.containsKey(value)) {
                env.add(value + "=" + cliEnvironment.get(value));
            }
        }
        return env;
    }

    /** The variables of --env-file files, in order, then those of -e, all read as {@link #environment(List, Map)} reads -e. */
    static List<String> environment(List<String> files, List<String> values, Map<String, String> cliEnvironment) {
        List<String> all = new ArrayList<>();
        for (String file : files) {
            all.addAll(environmentFile(file, cliEnvironment));
        }
        all.addAll(environment(values, cliEnvironment));
        return all;
    }

    /**
     * docker's env-file format: one K=V or K per line, leading blanks ignored, blank lines and
     * "#" comments skipped; a bare K takes the CLI's value and is dropped when that is unset.
     */
    static List<String> environmentFile(String file, Map<String, String> cliEnvironment) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("open " + file + ": no such file or directory");
        } catch (IOException e) {
            throw new IllegalArgumentException("open " + file + ": " + e.getMessage());
        }
        List<String> env = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.stripLeading();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String name = line.split("=", 2)[0];
            if (name.isEmpty()) {
                throw new IllegalArgumentException("no variable name on line '" + line + "'");
            }
            if (name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("variable '" + name + "' contains whitespaces");
            }
            if (line.contains("=")) {
                env.add(line);
            } else if (cliEnvironment.containsKey(name)) {
                env.add(name + "=" + cliEnvironment.get(name));
            }
        }
        return env;
    }

    /** "-a stdin|stdout|stderr", any case, as docker validates it; returns the lower-case names. */
    static List<String> attachStreams(List<String> values) {
        List<String> streams = new ArrayList<>();
        for (String value : values) {
            String stream = value.toLowerCase(Locale.ROOT);
            if (!List.of("stdin", "stdout", "stderr").contains(stream)) {
                throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"-a, --attach\" flag: "
                        + "valid streams are STDIN, STDOUT and STDERR");
            }
            streams.add(stream);
        }
        return streams;
    }

    /** "-l K=V" and "-l K" (empty value). */
    static Map<String, String> labels(List<String> values) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String value : values) {
            String[] keyValue = value.split("=", 2);
            labels.put(keyValue[0], keyValue.length == 2 ? keyValue[1] : "");
        }
        return labels;
    }

    /** Memory sizes like "512m", "1g", "1048576" (binary multiples, as docker reads them). */
    static long memoryBytes(String value) {
        String text = value.strip().toLowerCase(Locale.ROOT);
        if (text.endsWith("b")) {
            text = text.substring(0, text.length() - 1);
        }
        long multiplier = 1;
        if (!text.isEmpty() && "kmgtp".indexOf(text.charAt(text.length() - 1)) >= 0) {
            multiplier = 1L << (10 * ("kmgtp".indexOf(text.charAt(text.length() - 1)) + 1));
            text = text.substring(0, text.length() - 1);
        }
        try {
            BigDecimal bytes = new BigDecimal(text).multiply(BigDecimal.valueOf(multiplier));
            if (bytes.signum() < 0) {
                throw new NumberFormatException();
            }
            return bytes.longValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: '" + value + "'");
        }
    }

    /** "--cpus 1.5" as NanoCpus. */
    static long nanoCpus(String value) {
        try {
            BigDecimal cpus = new BigDecimal(value.strip());
            if (cpus.signum() < 0) {
                throw new NumberFormatException();
            }
            return cpus.movePointRight(9).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--cpus\" flag: failed to parse " + value + " as a rational number");
        }
    }

    /** "--restart no|always|unless-stopped|on-failure[:N]". */
    static HostConfig.RestartPolicy restartPolicy(String value) {
        String[] nameAndCount = value.split(":", 2);
        String name = nameAndCount[0];
        if (!List.of("no", "always", "unless-stopped", "on-failure").contains(name)) {
            throw new IllegalArgumentException("invalid restart policy: " + value);
        }
        if (nameAndCount.length == 2) {
            if (!name.equals("on-failure")) {
                throw new IllegalArgumentException("invalid restart policy format: maximum retry count can only be used with 'on-failure'");
            }
            try {
                return new HostConfig.RestartPolicy(name, Integer.parseInt(nameAndCount[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid restart policy format: maximum retry count must be an integer");
            }
        }
        return new HostConfig.RestartPolicy(name, 0);
    }

    /** A published port: "[ip:][hostPort:]containerPort[/proto]", keyed by "containerPort/proto". */
    record PublishedPort(String key, PortBinding binding) {
    }

    static PublishedPort publishedPort(String value) {
        String spec = value;
        String protocol = "tcp";
        int slash = spec.lastIndexOf('/');
        if (slash >= 0) {
            protocol = spec.substring(slash + 1);
            spec = spec.substring(0, slash);
        }
        String ip = "";
        String hostPort = "";
        String containerPort;
        int lastColon = spec.lastIndexOf(':');
        if (lastColon < 0) {
            containerPort = spec;
        } else {
            containerPort = spec.substring(lastColon + 1);
            String hostSide = spec.substring(0, lastColon);
            int ipColon = hostSide.lastIndexOf(':');
            if (ipColon < 0 || hostSide.endsWith("]")) {
                hostPort = hostSide;
            } else {
                ip = hostSide.substring(0, ipColon).replace("[", "").replace("]", "");
                hostPort = hostSide.substring(ipColon + 1);
            }
        }
        if (!containerPort.matches("\\d{1,5}") || !(hostPort.isEmpty() || hostPort.matches("\\d{1,5}(-\\d{1,5})?"))
                || !List.of("tcp", "udp", "sctp").contains(protocol)) {
            throw new IllegalArgumentException("invalid port specification: \"" + value + "\"");
        }
        return new PublishedPort(containerPort + "/" + protocol, new PortBinding(ip, hostPort));
    }

    /** "--tmpfs /path[:options]". */
    static Map<String, String> tmpfs(List<String> values) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (String value : values) {
            String[] pathAndOptions = value.split(":", 2);
            mounts.put(pathAndOptions[0], pathAndOptions.length == 2 ? pathAndOptions[1] : "");
        }
        return mounts;
    }

    /** "--ulimit nofile=1024[:2048]": one value sets both limits, as docker does. */
    static HostConfig.Ulimit ulimit(String value) {
        String[] nameAndLimits = value.split("=", 2);
        if (nameAndLimits.length != 2 || nameAndLimits[0].isEmpty()) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--ulimit\" flag: invalid ulimit argument: " + value);
        }
        String[] limits = nameAndLimits[1].split(":", 2);
        try {
            long soft = Long.parseLong(limits[0]);
            long hard = limits.length == 2 ? Long.parseLong(limits[1]) : soft;
            if (hard != -1 && soft > hard) {
                throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--ulimit\" flag: "
                        + "ulimit soft limit must be less than or equal to hard limit: " + soft + " > " + hard);
            }
            return new HostConfig.Ulimit(nameAndLimits[0], soft, hard);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--ulimit\" flag: invalid ulimit value: " + nameAndLimits[1]);
        }
    }

    /** "--device /dev/x[:/dev/y[:rwm]]". */
    static HostConfig.DeviceMapping device(String value) {
        String[] parts = value.split(":");
        if (parts.length > 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--device\" flag: bad format for path: " + value);
        }
        String inContainer = parts.length >= 2 && parts[1].startsWith("/") ? parts[1] : parts[0];
        String permissions = parts.length == 3 ? parts[2] : parts.length == 2 && !parts[1].startsWith("/") ? parts[1] : "rwm";
        if (!permissions.matches("[rwm]{1,3}")) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--device\" flag: bad mode specified: " + permissions);
        }
        return new HostConfig.DeviceMapping(parts[0], inContainer, permissions);
    }

    /**
     * --security-opt values as docker sends them: a seccomp profile FILE is read here and its JSON
     * sent inline, since the daemon may not see the client's files.
     */
    static List<String> securityOptions(List<String> values) {
        List<String> options = new ArrayList<>();
        for (String value : values) {
            String[] keyValue = value.split("[=:]", 2);
            if (keyValue.length == 2 && keyValue[0].equals("seccomp") && !keyValue[1].equals("unconfined")) {
                try {
                    String profile = Files.readString(Path.of(keyValue[1]));
                    options.add("seccomp=" + new ObjectMapper().readTree(profile).toString());
                } catch (JacksonException e) {
                    throw new IllegalArgumentException("compacting json for seccomp profile (" + keyValue[1] + ") failed: "
                            + e.getOriginalMessage());
                } catch (IOException e) {
                    throw new IllegalArgumentException("opening seccomp profile (" + keyValue[1] + ") failed: " + e.getMessage());
                }
            } else {
                options.add(value);
            }
        }
        return options;
    }
}
