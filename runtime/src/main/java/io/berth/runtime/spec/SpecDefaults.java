package io.berth.runtime.spec;

import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Root;
import io.berth.oci.runtime.Spec;

import java.util.List;

/** What docker gives every container unless told otherwise; engines build their specs on top of these. */
public final class SpecDefaults {
    public static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private SpecDefaults() {}

    /** docker's default mounts, in the order they are made. */
    public static List<Mount> mounts() {
        return List.of(
                new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
                new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                new Mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")),
                new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    }

    /** A new namespace of each kind docker unshares by default. */
    public static List<Linux.Namespace> namespaces() {
        return List.of("mount", "network", "uts", "pid", "ipc", "cgroup").stream()
                .map(type -> new Linux.Namespace(type, null)).toList();
    }

    /** The device nodes every container gets in its /dev. */
    public static List<Linux.Device> devices() {
        return List.of(device("/dev/null", 1, 3), device("/dev/zero", 1, 5), device("/dev/full", 1, 7),
                device("/dev/random", 1, 8), device("/dev/urandom", 1, 9), device("/dev/tty", 5, 0));
    }

    private static Linux.Device device(String path, long major, long minor) {
        return new Linux.Device(path, "c", major, minor, 0666, 0L, 0L);
    }

    /** The device cgroup: deny everything, then allow the default nodes, ptys and mknod. */
    public static List<LinuxResources.DeviceRule> deviceRules() {
        return List.of(
                new LinuxResources.DeviceRule(false, "a", null, null, "rwm"),
                new LinuxResources.DeviceRule(true, "c", null, null, "m"),
                new LinuxResources.DeviceRule(true, "b", null, null, "m"),
                new LinuxResources.DeviceRule(true, "c", 1L, 3L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 5L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 7L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 8L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 1L, 9L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 5L, 0L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 5L, 1L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 5L, 2L, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 136L, null, "rwm"),
                new LinuxResources.DeviceRule(true, "c", 10L, 200L, "rwm"));
    }

    /** docker's default capability set for containers not started with --privileged. */
    public static List<String> capabilities() {
        return List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
                "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
                "CAP_KILL", "CAP_AUDIT_WRITE");
    }

    public static Process.Capabilities processCapabilities() {
        List<String> caps = capabilities();
        return new Process.Capabilities(caps, caps, List.of(), caps, List.of());
    }

    public static List<String> maskedPaths() {
        return List.of("/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                "/sys/firmware", "/sys/devices/virtual/powercap");
    }

    public static List<String> readonlyPaths() {
        return List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
    }

    /**
     * A complete docker-like spec: root user, default env PATH, default mounts, namespaces, devices,
     * capabilities and masked paths, in cgroup {@code cgroupsPath}.
     */
    public static Spec spec(String rootfs, List<String> args, String hostname, String cgroupsPath) {
        Process process = new Process(false, null, new Process.User(0, 0, null, null, null), args, null,
                List.of("PATH=" + PATH), "/", processCapabilities(), null, null, null, null, null);
        LinuxResources resources = new LinuxResources(deviceRules(), null, null, null, null, null, null, null);
        Linux linux = new Linux(namespaces(), null, null, null, resources, cgroupsPath, null, null,
                maskedPaths(), readonlyPaths(), devices(), null, null);
        return new Spec(Spec.VERSION, process, new Root(rootfs, false), hostname, null, mounts(), linux, null);
    }
}
