package io.berth.engine.security;

import io.berth.errdefs.InvalidArgumentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A kernel release as major.minor, enough to decide which features a profile may rely on. */
public record KernelVersion(int major, int minor) {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    public static KernelVersion parse(String release) {
        Matcher m = VERSION.matcher(release.trim());
        if (!m.find()) throw new InvalidArgumentException("not a kernel version: \"" + release + "\"");
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    public static KernelVersion running() {
        try {
            return parse(Files.readString(Path.of("/proc/sys/kernel/osrelease")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the kernel version", e);
        }
    }

    public boolean atLeast(KernelVersion other) {
        return major != other.major ? major > other.major : minor >= other.minor;
    }
}
