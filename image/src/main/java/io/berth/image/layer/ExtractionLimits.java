package io.berth.image.layer;

/**
 * Bounds on what one layer may unpack to, so a decompression bomb, a huge sparse file or a flood of
 * tiny entries fails the pull instead of filling the disk; {@code allowDevices} false refuses
 * character and block device entries (a rootless store cannot honour them, and some hosts forbid them).
 */
public record ExtractionLimits(long maxUnpackedBytes, long maxEntries, boolean allowDevices) {
    /** 64 GiB and 10 million entries: far above any real image, far below a full disk of bombs. */
    public static ExtractionLimits defaults() {
        return new ExtractionLimits(64L << 30, 10_000_000, true);
    }
}
