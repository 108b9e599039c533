package io.berth.runtime.plan;

import java.util.List;
import java.util.Map;

/** The kernel's numbers for the names the OCI spec uses: clone flags, rlimits, mount flags. */
final class LinuxFlags {
    static final long CLONE_NEWTIME = 0x80, CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x02000000,
            CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000,
            CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;

    static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
            MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOATIME = 1024, MS_NODIRATIME = 2048,
            MS_BIND = 4096, MS_REC = 16384, MS_SILENT = 32768, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18,
            MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24;

    static final int S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFIFO = 0010000;

    static final Map<String, Long> NAMESPACES = Map.of(
            "mount", CLONE_NEWNS, "cgroup", CLONE_NEWCGROUP, "uts", CLONE_NEWUTS, "ipc", CLONE_NEWIPC,
            "user", CLONE_NEWUSER, "pid", CLONE_NEWPID, "network", CLONE_NEWNET, "time", CLONE_NEWTIME);

    /** setrlimit(2) resources in kernel order. */
    static final List<String> RLIMITS = List.of(
            "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
            "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
            "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

    private LinuxFlags() {}
}
