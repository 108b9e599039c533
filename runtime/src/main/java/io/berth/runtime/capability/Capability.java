package io.berth.runtime.capability;

import io.berth.errdefs.InvalidArgumentException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Linux capabilities by their kernel numbers (linux/capability.h), named as the OCI spec names them. */
public enum Capability {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID,
    CAP_SETPCAP, CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW,
    CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SYS_PACCT,
    CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_MKNOD,
    CAP_LEASE, CAP_AUDIT_WRITE, CAP_AUDIT_CONTROL, CAP_SETFCAP, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN, CAP_SYSLOG,
    CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_READ, CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE;

    /** The kernel's number for this capability (its bit in the capability masks). */
    public int number() { return ordinal(); }

    /**
     * Parses a capability as docker's flags and the OCI spec write it: "CAP_NET_ADMIN", "NET_ADMIN" or
     * "net_admin". {@code what} names the flag or field for the error message.
     */
    public static Capability parse(String name, String what) {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        try {
            return valueOf(full);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(what + ": unknown capability: \"" + name + "\"");
        }
    }

    /** The bits of a capability mask, such as CapBnd in /proc/self/status. */
    public static Set<Capability> fromMask(long mask) {
        Set<Capability> set = EnumSet.noneOf(Capability.class);
        for (Capability cap : values()) {
            if ((mask & (1L << cap.number())) != 0) set.add(cap);
        }
        return set;
    }

    public static long toMask(Set<Capability> capabilities) {
        long mask = 0;
        for (Capability cap : capabilities) mask |= 1L << cap.number();
        return mask;
    }

    /**
     * What this process may hand to a container: its bounding set. --privileged grants this, not a
     * fixed list, because a daemon may itself run with a reduced set (CAP_SYS_RESOURCE is missing on
     * some hosts) and cannot give what it lacks.
     */
    public static Set<Capability> boundingSetOfThisProcess() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    return fromMask(Long.parseUnsignedLong(line.substring("CapBnd:".length()).trim(), 16));
                }
            }
            throw new IllegalStateException("/proc/self/status has no CapBnd line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
