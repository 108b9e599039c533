package io.berth.engine.logs;

import io.berth.errdefs.InvalidArgumentException;

import java.util.Map;
import java.util.Set;

/**
 * A container's --log-driver and --log-opt. Berth writes docker's json-file format only; its
 * options max-size (binary units, as docker: 10k, 5m, 1g) and max-file bound the disk use,
 * enforced by the monitor's rotation. The attribute options docker's json-file accepts (labels,
 * env, tag ...) are accepted and not acted on.
 */
public record LogConfig(String type, Map<String, String> options) {
    public static final String JSON_FILE = "json-file";
    public static final LogConfig DEFAULT = new LogConfig(JSON_FILE, Map.of());
    private static final Set<String> ACCEPTED = Set.of("max-size", "max-file", "labels", "labels-regex", "env",
            "env-regex", "tag", "compress", "mode", "max-buffer-size");

    public LogConfig {
        type = type == null || type.isEmpty() ? JSON_FILE : type;
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** Refuses what the monitor could not honour, naming the option, as dockerd does at create. */
    public void check() {
        if (!type.equals(JSON_FILE)) {
            throw new InvalidArgumentException("logging driver " + type + " is not supported by berth (use json-file)");
        }
        for (String key : options.keySet()) {
            if (!ACCEPTED.contains(key)) throw new InvalidArgumentException("unknown log opt '" + key + "' for json-file log driver");
        }
        if ("true".equals(options.get("compress"))) {
            throw new InvalidArgumentException("log opt compress=true is not supported by berth's json-file driver");
        }
        long maxSize = maxSize();
        int maxFiles = maxFiles();
        if (maxFiles > 1 && maxSize < 0) throw new InvalidArgumentException("max-file cannot be set when max-size is not set");
    }

    /** Bytes, or -1 when unbounded. */
    public long maxSize() {
        String value = options.get("max-size");
        if (value == null || value.isEmpty() || value.equals("-1")) return -1;
        long bytes = parseSize(value);
        if (bytes <= 0) throw new InvalidArgumentException("invalid value for log opt max-size: " + value);
        return bytes;
    }

    public int maxFiles() {
        String value = options.get("max-file");
        if (value == null || value.isEmpty()) return 1;
        try {
            int n = Integer.parseInt(value);
            if (n < 1) throw new InvalidArgumentException("max-file cannot be less than 1");
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("invalid value for log opt max-file: " + value);
        }
    }

    /** docker's RAMInBytes: a number with an optional b, k, m, g, t, p suffix (optionally followed by b), base 1024. */
    static long parseSize(String value) {
        String v = value.trim().toLowerCase();
        if (v.endsWith("ib")) v = v.substring(0, v.length() - 2);
        else if (v.endsWith("b") && v.length() > 1 && !Character.isDigit(v.charAt(v.length() - 2))) v = v.substring(0, v.length() - 1);
        int split = 0;
        while (split < v.length() && (Character.isDigit(v.charAt(split)) || v.charAt(split) == '.')) split++;
        if (split == 0) throw new InvalidArgumentException("invalid value for log opt max-size: " + value);
        double number;
        try {
            number = Double.parseDouble(v.substring(0, split));
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("invalid value for log opt max-size: " + value);
        }
        long unit = switch (v.substring(split).trim()) {
            case "", "b" -> 1L;
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            case "p" -> 1L << 50;
            default -> throw new InvalidArgumentException("invalid value for log opt max-size: " + value);
        };
        return (long) (number * unit);
    }
}
