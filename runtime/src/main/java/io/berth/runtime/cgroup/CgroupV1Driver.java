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

    @Override
    public void update(String path, LinuxResources resources) throws IOException {
        applyLimits(path, resources);
    }

    private void applyLimits(String path, LinuxResources r) throws IOException {
        if (r.memory() != null) {
            Path dir = dir("memory", path);
            var m = r.memory();
            // memsw (memory plus swap, like the spec's swap; only with swap accounting) may never be below the memory
            // limit: when it grows it is written first, when it shrinks last.
            Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
            Path limit = dir.resolve("memory.limit_in_bytes");
            if (m.swap() != null && Files.exists(memsw)) {
                boolean grows = m.swap() < 0 || m.swap() >= CgroupDriver.readLimit(memsw);
                if (grows) write(memsw, m.swap().toString());
                if (m.limit() != null) write(limit, m.limit().toString());
                if (!grows) write(memsw, m.swap().toString());
            } else if (m.limit() != null) {
                write(limit, m.limit().toString());
            }
            if (m.reservation() != null) write(dir.resolve("memory.soft_limit_in_bytes"), m.reservation().toString());
            if (m.swappiness() != null) write(dir.resolve("memory.swappiness"), m.swappiness().toString());
            if (Boolean.TRUE.equals(m.disableOOMKiller())) write(dir.resolve("memory.oom_control"), "1");
        }
        if (r.cpu() != null) {
            var c = r.cpu();
            Path cpu = dir("cpu", path);
            // 0 is "not set", as runc reads it: dockerd sends shares 0 and blkio weight 0 for containers without them
            if (c.shares() != null && c.shares() > 0) write(cpu.resolve("cpu.shares"), c.shares().toString());
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
        if (r.blockIO() != null && r.blockIO().weight() != null && r.blockIO().weight() > 0) {
            Path blkio = dir("blkio", path);
            Path weight = Files.exists(blkio.resolve("blkio.weight")) ? blkio.resolve("blkio.weight") : blkio.resolve("blkio.bfq.weight");
            write(weight, r.blockIO().weight().toString());
        }
        if (r.devices() != null) {
            Path devices = dir("devices", path);
            for (LinuxResources.DeviceRule rule : CgroupDriver.withAlwaysAllowedDevices(r.devices())) {
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
        // forEach, not a stream: a stream over a TreeMap's entries makes a serializable comparator lambda, which the
        // AOT cache cannot hold, and spinning the first lambda at run time costs berth-runtime ~9 ms
        List<HierarchyMount> mounts = new ArrayList<>();
        controllersByMount.forEach((mountPoint, controllers) -> mounts.add(new HierarchyMount(mountPoint.getFileName().toString(), "cgroup",
                String.join(",", controllers.stream().sorted().toList()), mountPoint.resolve(CgroupDriver.relative(path)))));
        return List.copyOf(mounts);
    }

    @Override
    public void freeze(String path, boolean frozen) throws IOException {
        Path state = dir("freezer", path).resolve("freezer.state");
        String wanted = frozen ? "FROZEN" : "THAWED";
        write(state, wanted);
        // FREEZING until every task has stopped
        CgroupDriver.awaitState("freezer.state " + wanted, () -> Files.readString(state).strip().equals(wanted));
    }

    @Override
    public boolean frozen(String path) throws IOException {
        Path state = dir("freezer", path).resolve("freezer.state");
        return Files.exists(state) && Files.readString(state).strip().equals("FROZEN");
    }

    @Override
    public List<Integer> processes(String path) throws IOException {
        return CgroupDriver.readPids(dir(hierarchies.containsKey("pids") ? "pids" : "memory", path).resolve("cgroup.procs"));
    }

    @Override
    public CgroupStats stats(String path) throws IOException {
        Path memory = dir("memory", path), pids = dir("pids", path);
        return new CgroupStats(CgroupDriver.readNumber(memory.resolve("memory.usage_in_bytes")),
                CgroupDriver.readLimit(memory.resolve("memory.limit_in_bytes")),
                CgroupDriver.readNumber(dir("cpuacct", path).resolve("cpuacct.usage")),
                CgroupDriver.readNumber(pids.resolve("pids.current")), CgroupDriver.readLimit(pids.resolve("pids.max")),
                java.time.Instant.now());
    }

    @Override
    public Path oomEventsFile(String path) {
        Path memory = hierarchies.get("memory");
        return memory == null ? null : memory.resolve(CgroupDriver.relative(path)).resolve("memory.oom_control");
    }

    @Override
    public void remove(String path) throws IOException {
        for (Path mountPoint : distinctMountPoints()) CgroupDriver.removeDirectory(mountPoint.resolve(CgroupDriver.relative(path)));
    }
}
