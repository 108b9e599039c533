package io.berth.engine.userns;

/** A run of {@code count} host ids from {@code start}: one line of /etc/subuid or /etc/subgid. */
public record IdRange(long start, long count) {
    public IdRange {
        if (start < 0 || count <= 0) throw new IllegalArgumentException("invalid id range " + start + "+" + count);
    }

    /** The first id after the range. */
    public long end() {
        return start + count;
    }

    public boolean overlaps(IdRange other) {
        return start < other.end() && other.start < end();
    }
}
