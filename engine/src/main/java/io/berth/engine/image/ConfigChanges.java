package io.berth.engine.image;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.image.ImageConfig.ContainerConfig;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * docker commit/import {@code --change}: Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL) applied to an image's container config.
 */
public final class ConfigChanges {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigChanges() {}

    public static ContainerConfig apply(ContainerConfig base, List<String> changes) {
        ContainerConfig c = base;
        for (String change : changes) {
            String line = change.strip();
            if (line.isEmpty()) continue;
            String[] parts = line.split("\\s+", 2);
            String instruction = parts[0].toUpperCase(Locale.ROOT);
            String args = parts.length > 1 ? parts[1].strip() : "";
            c = switch (instruction) {
                case "CMD" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), command(args),
                        c.volumes(), c.workingDir(), c.labels(), c.stopSignal());
                case "ENTRYPOINT" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), command(args), c.cmd(),
                        c.volumes(), c.workingDir(), c.labels(), c.stopSignal());
                case "ENV" -> new ContainerConfig(c.user(), c.exposedPorts(), env(c.env(), pairs(args, true)), c.entrypoint(),
                        c.cmd(), c.volumes(), c.workingDir(), c.labels(), c.stopSignal());
                case "LABEL" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
                        c.volumes(), c.workingDir(), merged(c.labels(), pairs(args, false)), c.stopSignal());
                case "EXPOSE" -> new ContainerConfig(c.user(), withKeys(c.exposedPorts(), ports(args)), c.env(), c.entrypoint(),
                        c.cmd(), c.volumes(), c.workingDir(), c.labels(), c.stopSignal());
                case "VOLUME" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
                        withKeys(c.volumes(), words(args)), c.workingDir(), c.labels(), c.stopSignal());
                case "USER" -> new ContainerConfig(required(instruction, args), c.exposedPorts(), c.env(), c.entrypoint(),
                        c.cmd(), c.volumes(), c.workingDir(), c.labels(), c.stopSignal());
                case "WORKDIR" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
                        c.volumes(), workdir(c.workingDir(), required(instruction, args)), c.labels(), c.stopSignal());
                case "STOPSIGNAL" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
                        c.volumes(), c.workingDir(), c.labels(), required(instruction, args));
                default -> throw new InvalidArgumentException(instruction + " is not a valid change command");
            };
        }
        return c;
    }

    /** The JSON (exec) form as is; the shell form runs under /bin/sh -c, as in a Dockerfile. */
    private static List<String> command(String args) {
        if (args.startsWith("[")) {
            try {
                return JSON.readValue(args, new TypeReference<List<String>>() {});
            } catch (IOException e) {
                throw new InvalidArgumentException("invalid JSON array in change: " + args);
            }
        }
        return args.isEmpty() ? List.of() : List.of("/bin/sh", "-c", args);
    }

    /** KEY=VALUE pairs (quotes removed), or for ENV also the legacy "KEY VALUE" form. */
    private static Map<String, String> pairs(String args, boolean legacySpaceForm) {
        Map<String, String> pairs = new LinkedHashMap<>();
        List<String> words = words(args);
        if (words.isEmpty()) throw new InvalidArgumentException("change needs at least one KEY=VALUE: " + args);
        if (legacySpaceForm && !words.getFirst().contains("=")) {
            String[] kv = args.split("\\s+", 2);
            pairs.put(kv[0], kv.length > 1 ? unquote(kv[1].strip()) : "");
            return pairs;
        }
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq <= 0) throw new InvalidArgumentException("expected KEY=VALUE in change, got: " + word);
            pairs.put(word.substring(0, eq), unquote(word.substring(eq + 1)));
        }
        return pairs;
    }

    /** Splits on blanks outside double or single quotes. */
    private static List<String> words(String args) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        for (char ch : args.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) quote = 0;
                word.append(ch);
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
                word.append(ch);
            } else if (Character.isWhitespace(ch)) {
                if (!word.isEmpty()) words.add(word.toString());
                word.setLength(0);
            } else {
                word.append(ch);
            }
        }
        if (!word.isEmpty()) words.add(word.toString());
        return words;
    }

    private static String unquote(String value) {
        return value.replaceAll("^([\"'])(.*)\\1$", "$2");
    }

    private static List<String> env(List<String> env, Map<String, String> updates) {
        Map<String, String> all = new LinkedHashMap<>();
        for (String entry : env == null ? List.<String>of() : env) {
            int eq = entry.indexOf('=');
            all.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
        }
        all.putAll(updates);
        return all.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static Map<String, String> merged(Map<String, String> labels, Map<String, String> updates) {
        Map<String, String> all = new LinkedHashMap<>(labels == null ? Map.of() : labels);
        all.putAll(updates);
        return all;
    }

    private static List<String> ports(String args) {
        return words(args).stream().map(p -> p.contains("/") ? p : p + "/tcp").toList();
    }

    private static Map<String, Object> withKeys(Map<String, Object> map, List<String> keys) {
        Map<String, Object> all = new LinkedHashMap<>(map == null ? Map.of() : map);
        for (String key : keys) all.put(unquote(key), Map.of());
        return all;
    }

    private static String workdir(String current, String dir) {
        if (dir.startsWith("/") || current == null || current.isEmpty()) return dir.startsWith("/") ? dir : "/" + dir;
        return current.replaceFirst("/$", "") + "/" + dir;
    }

    private static String required(String instruction, String args) {
        if (args.isEmpty()) throw new InvalidArgumentException(instruction + " requires exactly one argument");
        return unquote(args);
    }
}
