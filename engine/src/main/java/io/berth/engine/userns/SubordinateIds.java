package io.berth.engine.userns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ranges of /etc/subuid or /etc/subgid ("owner:start:count", the owner a name or a numeric id), as
 * shadow's tools and dockerd read them; malformed lines are skipped, as newuidmap does.
 */
public record SubordinateIds(Path file, List<Entry> entries) {
    public record Entry(String owner, IdRange range) {}

    public SubordinateIds {
        entries = List.copyOf(entries);
    }

    public static SubordinateIds read(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        for (String line : lines) {
            String[] fields = line.strip().split(":");
            if (fields.length != 3 || fields[0].isEmpty()) continue;
            try {
                entries.add(new Entry(fields[0], new IdRange(Long.parseLong(fields[1]), Long.parseLong(fields[2]))));
            } catch (IllegalArgumentException malformed) {
                // not a range: skipped, as the kernel's helpers do
            }
        }
        return new SubordinateIds(file, entries);
    }

    /** The ranges of an owner named {@code name} or numbered {@code id}, lowest first (dockerd maps them in that order). */
    public List<IdRange> rangesOf(String name, long id) {
        return entries.stream().filter(e -> e.owner().equals(name) || e.owner().equals(Long.toString(id)))
                .map(Entry::range).sorted(Comparator.comparingLong(IdRange::start)).toList();
    }

    /** The lowest range of {@code count} ids from {@code from} on that overlaps no one's range. */
    public IdRange firstFree(long from, long count) {
        IdRange candidate = new IdRange(from, count);
        List<IdRange> taken = entries.stream().map(Entry::range).sorted(Comparator.comparingLong(IdRange::start)).toList();
        for (IdRange range : taken) {
            if (range.overlaps(candidate)) candidate = new IdRange(range.end(), count);
        }
        return candidate;
    }
}
