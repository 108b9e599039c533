package io.berth.runtime.cgroup;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.berth.runtime.cgroup.CgroupDriver.write;

/** cgroup v2: one directory in the unified hierarchy, its controllers enabled in every ancestor's subtree_control. */
public final class CgroupV2Driver implements CgroupDriver {
    private static final List<String> CONTROLLERS = List.of("cpuset", "cpu", "io", "memory", "pids");

    private final Path root;

    public CgroupV2Driver(Path root) {
        this.root = root;
    }

    @Override
    public CgroupVersion version() { return CgroupVersion.V2; }

    @Override
    public List<Path> create(String path, LinuxResources resources) throws IOException {
        Path dir = root.resolve(CgroupDriver.relative(path));
        Path current = root;
        for (Path name : root.relativize(dir)) {
            enableControllers(current);
            current = current.resolve(name);
            if (!Files.isDirectory(current)) Files.createDirectory(current);
        }
        if (resources != null) applyLimits(dir, resources);
        return List.of(dir.resolve("cgroup.procs"));
    }

    /** Children get only the controllers their parent delegates; a parent may delegate only what it has. */
    private static void enableControllers(Path parent) throws IOException {
        Set<String> available = Arrays.stream(Files.readString(parent.resolve("cgroup.controllers")).split("\\s+"))
                .collect(Collectors.toSet());
        Set<String> enabled = Arrays.stream(Files.readString(parent.resolve("cgroup.subtree_control")).split("\\s+"))
                .collect(Collectors.toSet());
        String missing = CONTROLLERS.stream().filter(available::contains).filter(c -> !enabled.contains(c))
                .map(c -> "+" + c).collect(Collectors.joining(" "));
        if (!missing.isEmpty()) write(parent.resolve("cgroup.subtree_control"), missing);
    }

    @Override
    public void update(String path, LinuxResources resources) throws IOException {
        applyLimits(root.resolve(CgroupDriver.relative(path)), resources);
    }

    @Override
    public void freeze(String path, boolean frozen) throws IOException {
        Path dir = root.resolve(CgroupDriver.relative(path));
        write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
        long wanted = frozen ? 1 : 0;
        CgroupDriver.awaitState("cgroup.freeze " + wanted, () -> CgroupDriver.readKey(dir.resolve("cgroup.events"), "frozen") == wanted);
    }

    @Override
    public boolean frozen(String path) throws IOException {
        Path events = root.resolve(CgroupDriver.relative(path)).resolve("cgroup.events");
        return Files.exists(events) && CgroupDriver.readKey(events, "frozen") == 1;
    }

    @Override
    public List<Integer> processes(String path) throws IOException {
        return CgroupDriver.readPids(root.resolve(CgroupDriver.relative(path)).resolve("cgroup.procs"));
    }

    @Override
    public CgroupStats stats(String path) throws IOException {
        Path dir = root.resolve(CgroupDriver.relative(path));
        return new CgroupStats(CgroupDriver.readNumber(dir.resolve("memory.current")), CgroupDriver.readLimit(dir.resolve("memory.max")),
                CgroupDriver.readKey(dir.resolve("cpu.stat"), "usage_usec") * 1000,
                CgroupDriver.readNumber(dir.resolve("pids.current")), CgroupDriver.readLimit(dir.resolve("pids.max")),
                java.time.Instant.now());
    }

    @Override
    public Path oomEventsFile(String path) {
        return root.resolve(CgroupDriver.relative(path)).resolve("memory.events");
    }

    private static void applyLimits(Path dir, LinuxResources r) throws IOException {
        if (r.memory() != null) {
            var m = r.memory();
            if (m.limit() != null) write(dir.resolve("memory.max"), max(m.limit()));
            if (m.reservation() != null) write(dir.resolve("memory.low"), max(m.reservation()));
            // The spec's swap is memory plus swap; v2 limits swap alone.
            if (m.swap() != null && m.limit() != null && Files.exists(dir.resolve("memory.swap.max")))
                write(dir.resolve("memory.swap.max"), m.swap() < 0 ? "max" : Long.toString(Math.max(0, m.swap() - m.limit())));
        }
        if (r.cpu() != null) {
            var c = r.cpu();
            if (c.shares() != null && c.shares() > 0) write(dir.resolve("cpu.weight"), Long.toString(weightFromShares(c.shares())));
            if (c.quota() != null || c.period() != null) {
                String quota = c.quota() == null || c.quota() <= 0 ? "max" : c.quota().toString();
                write(dir.resolve("cpu.max"), quota + (c.period() == null ? "" : " " + c.period()));
            }
            if (c.cpus() != null && !c.cpus().isEmpty()) write(dir.resolve("cpuset.cpus"), c.cpus());
            if (c.mems() != null && !c.mems().isEmpty()) write(dir.resolve("cpuset.mems"), c.mems());
        }
        if (r.pids() != null && r.pids().limit() != null) write(dir.resolve("pids.max"), max(r.pids().limit()));
        if (r.blockIO() != null && r.blockIO().weight() != null && r.blockIO().weight() > 0 && Files.exists(dir.resolve("io.weight")))
            write(dir.resolve("io.weight"), "default " + ioWeightFromBlkio(r.blockIO().weight()));
        // v2 has no device files: the rules become an eBPF program attached to the cgroup
        if (r.devices() != null) DeviceProgramLoader.attach(dir, DeviceProgram.compile(CgroupDriver.withAlwaysAllowedDevices(r.devices())));
        if (r.unified() != null) {
            for (Map.Entry<String, String> e : r.unified().entrySet()) {
                if (e.getKey().contains("/")) throw new InvalidArgumentException("invalid cgroup file: " + e.getKey());
                write(dir.resolve(e.getKey()), e.getValue());
            }
        }
    }

    private static String max(long value) {
        return value > 0 ? Long.toString(value) : "max";
    }

    /** v1 shares (2..262144) onto v2 weight (1..10000), the conversion runc and crun use. */
    static long weightFromShares(long shares) {
        return 1 + (((long) Math.clamp(shares, 2, 262144) - 2) * 9999) / 262142;
    }

    /** v1 blkio weight (10..1000) onto v2 io weight (1..10000). */
    static long ioWeightFromBlkio(int weight) {
        return 1 + ((long) (Math.clamp(weight, 10, 1000) - 10) * 9999) / 990;
    }

    @Override
    public List<HierarchyMount> hierarchyMounts(String path) {
        return List.of(new HierarchyMount("", "cgroup2", "", root.resolve(CgroupDriver.relative(path))));
    }

    @Override
    public void remove(String path) throws IOException {
        CgroupDriver.removeDirectory(root.resolve(CgroupDriver.relative(path)));
    }
}
