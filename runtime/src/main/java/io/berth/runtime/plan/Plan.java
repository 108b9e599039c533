package io.berth.runtime.plan;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What berth-shim executes, as records in order. On disk each record is {@code op\0argc\0arg1\0...argN\0}
 * (argc in decimal, so empty arguments survive): trivial to parse in C, and no argument needs escaping.
 * The container child runs its records top to bottom; the monitor reads log, log_rotate, exit_file, clone_flags,
 * pid_ns, uid_map, gid_map and the stdio records (open_stdin, control_socket, console_size, console_socket).
 * native/README.md lists every op.
 */
public final class Plan {
    public record Record(String op, List<String> args) {}

    private final List<Record> records = new ArrayList<>();

    public Plan add(String op, Object... args) {
        List<String> strings = new ArrayList<>(args.length);
        for (Object arg : args) {
            String s = String.valueOf(arg);
            if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("plan argument of " + op + " contains NUL");
            strings.add(s);
        }
        records.add(new Record(op, List.copyOf(strings)));
        return this;
    }

    public Plan add(String op, List<String> args) {
        return add(op, args.toArray());
    }

    public List<Record> records() {
        return List.copyOf(records);
    }

    public List<Record> records(String op) {
        return records.stream().filter(r -> r.op().equals(op)).toList();
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Record record : records) {
            token(out, record.op());
            token(out, Integer.toString(record.args().size()));
            record.args().forEach(arg -> token(out, arg));
        }
        return out.toByteArray();
    }

    private static void token(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}
