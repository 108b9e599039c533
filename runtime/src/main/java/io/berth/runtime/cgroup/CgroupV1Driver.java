package io.berth.runtime.cgroup;

import io.berth.oci.runtime.LinuxResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.runtime.cgroup.CgroupDriver.write;

/** cgroup v1: one directory per mounted controller hierarchy (co-mounted controllers share one). */
public final class CgroupV1Driver implements CgroupDriver {
    static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

    /** Controller name to the mount point of its hierarchy. */
    private final Map<String, Path> hierarchies;

    public CgroupV1Driver(Map<String, Path> hierarchies) {
        this.hierarchies = Map.copyOf(hierarchies);
    }

    /** Finds the v1 hierarchies in /proc/self/mountinfo ("... - cgroup cgroup rw,cpu,cpuacct"). */
    static CgroupV1Driver fromMountinfo() throws IOException {
        Map<String, Path> found = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2) continue;
            String[] tail = halves[1].split(" ");
            if (!tail[0].equals("cgroup") || tail.length < 3) continue;
            Path mountPoint = Path.of(halves[0].split(" ")[4]);
            for (String option : tail[2].split(",")) {
                if (CONTROLLERS.contains(option)) found.putIfAbsent(option, mountPoint);
            }
        }
        return new CgroupV1Driver(found);
    }

    @Override
    public CgroupVersion version() { return CgroupVersion.V1; }

    @Override
    public List<Path> create(String path, LinuxResources resources) throws IOException {
        List<Path> procs = new ArrayList<>();
        for (Path mountPoint : distinctMountPoints()) {
            Path dir = mountPoint.resolve(CgroupDriver.relative(path));
            if (mountPoint.equals(hierarchies.get("cpuset"))) createCpuset(mountPoint, dir);
            else Files.createDirectories(dir);
            procs.add(dir.resolve("cgroup.procs"));
        }
        if (resources != null) applyLimits(path, resources);
        return procs;
    }

    /** A new cpuset has no cpus and no mems, and no process may join it until both are copied from its parent. */
    private static void createCpuset(Path mountPoint, Path dir) throws IOException {
        Path current = mountPoint;
        for (Path name : mountPoint.relativize(dir)) {
            Path parent = current;
            current = current.resolve(name);
            if (Files.isDirectory(current)) continue;
            Files.createDirectory(current);
            for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                if (Files.readString(current.resolve(file)).isBlank()) write(current.resolve(file), Files.readString(parent.resolve(file)).strip());
            }
        }
    }

    private void applyLimits(String path, LinuxResources r) throws IOException {
        if (r.memory() != null) {
            Path dir = dir("memory", path);
            var m = r.memory();
            if (m.limit() != null) write(dir.resolve("memory.limit_in_bytes"), m.limit().toString());
            if (m.reservation() != null) write(dir.resolve("memory.soft_limit_in_bytes"), m.reservation().toString());
            // memsw exists only with swap accounting; it counts memory plus swap, as the spec's swap does.
            if (m.swap() != null && Files.exists(dir.resolve("memory.memsw.limit_in_bytes")))
                write(dir.resolve("memory.memsw.limit_in_bytes"), m.swap().toString());
            if (m.swappiness() != null) write(dir.resolve("memory.swappiness"), m.swappiness().toString());
            if (Boolean.TRUE.equals(m.disableOOMKiller())) write(dir.resolve("memory.oom_control"), "1");
        }
        if (r.cpu() != null) {
            var c = r.cpu();
            Path cpu = dir("cpu", path);
            if (c.shares() != null) write(cpu.resolve("cpu.shares"), c.shares().toString());
            if (c.period() != null) write(cpu.resolve("cpu.cfs_period_us"), c.period().toString());
            if (c.quota() != null) write(cpu.resolve("cpu.cfs_quota_us"), c.quota().toString());
            if (c.realtimePeriod() != null) write(cpu.resolve("cpu.rt_period_us"), c.realtimePeriod().toString());
            if (c.realtimeRuntime() != null) write(cpu.resolve("cpu.rt_runtime_us"), c.realtimeRuntime().toString());
            Path cpuset = dir("cpuset", path);
            if (c.cpus() != null && !c.cpus().isEmpty()) write(cpuset.resolve("cpuset.cpus"), c.cpus());
            if (c.mems() != null && !c.mems().isEmpty()) write(cpuset.resolve("cpuset.mems"), c.mems());
        }
        if (r.pids() != null && r.pids().limit() != null) {
            long limit = r.pids().limit();
            write(dir("pids", path).resolve("pids.max"), limit > 0 ? Long.toString(limit) : "max");
        }
        if (r.blockIO() != null && r.blockIO().weight() != null) {
            Path blkio = dir("blkio", path);
            Path weight = Files.exists(blkio.resolve("blkio.weight")) ? blkio.resolve("blkio.weight") : blkio.resolve("blkio.bfq.weight");
            write(weight, r.blockIO().weight().toString());
        }
        if (r.devices() != null) {
            Path devices = dir("devices", path);
            for (LinuxResources.DeviceRule rule : r.devices()) {
                write(devices.resolve(rule.allow() ? "devices.allow" : "devices.deny"), deviceRule(rule));
            }
        }
    }

    /** "c 1:3 rwm"; absent numbers are wildcards. */
    static String deviceRule(LinuxResources.DeviceRule rule) {
        String type = rule.type() == null ? "a" : rule.type();
        String major = rule.major() == null || rule.major() < 0 ? "*" : rule.major().toString();
        String minor = rule.minor() == null || rule.minor() < 0 ? "*" : rule.minor().toString();
        return type + " " + major + ":" + minor + " " + (rule.access() == null ? "rwm" : rule.access());
    }

    private Path dir(String controller, String path) throws IOException {
        Path mountPoint = hierarchies.get(controller);
        if (mountPoint == null) throw new IOException("cgroup controller " + controller + " is not mounted");
        return mountPoint.resolve(CgroupDriver.relative(path));
    }

    private List<Path> distinctMountPoints() {
        return hierarchies.values().stream().distinct().sorted().toList();
    }

    @Override
    public List<HierarchyMount> hierarchyMounts(String path) {
        Map<Path, List<String>> controllersByMount = new java.util.TreeMap<>();
        hierarchies.forEach((controller, mountPoint) -> controllersByMount.computeIfAbsent(mountPoint, m -> new ArrayList<>()).add(controller));
        return controllersByMount.entrySet().stream()
                .map(e -> new HierarchyMount(e.getKey().getFileName().toString(), "cgroup",
                        String.join(",", e.getValue().stream().sorted().toList()), e.getKey().resolve(CgroupDriver.relative(path))))
                .toList();
    }

    @Override
    public void remove(String path) throws IOException {
        for (Path mountPoint : distinctMountPoints()) CgroupDriver.removeDirectory(mountPoint.resolve(CgroupDriver.relative(path)));
    }
}
