package io.berth.engine.stats;

import io.berth.errdefs.InvalidArgumentException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * docker top: the host's {@code ps} run with the client's arguments, keeping the header and the rows
 * whose PID column names a process of the container, as dockerd does.
 */
public record ProcessTable(List<String> titles, List<List<String>> processes) {

    public static ProcessTable of(String psArgs, Collection<Integer> pids) {
        List<String> command = new ArrayList<>(List.of("ps"));
        String args = psArgs == null || psArgs.isBlank() ? "-ef" : psArgs.strip();
        command.addAll(Arrays.asList(args.split("\\s+")));
        String output;
        try {
            java.lang.Process ps = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (ps.waitFor() != 0) {
                throw new InvalidArgumentException("ps: " + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Error running ps: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ps", e);
        }
        return parse(output, pids);
    }

    /** The header's fields are the titles; the last column takes the rest of a row (the command line has spaces). */
    static ProcessTable parse(String output, Collection<Integer> pids) {
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) throw new InvalidArgumentException("ps printed nothing");
        List<String> titles = List.of(lines.getFirst().trim().split("\\s+"));
        int pidColumn = titles.indexOf("PID");
        if (pidColumn < 0) throw new InvalidArgumentException("Couldn't find PID field in ps output");
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.trim().split("\\s+", titles.size());
            if (fields.length <= pidColumn) continue;
            try {
                if (!pids.contains(Integer.parseInt(fields[pidColumn]))) continue;
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException("Unexpected pid '" + fields[pidColumn] + "' in ps output");
            }
            rows.add(List.of(fields));
        }
        return new ProcessTable(titles, rows);
    }
}
