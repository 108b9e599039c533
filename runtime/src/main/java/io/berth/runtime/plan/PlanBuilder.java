package io.berth.runtime.plan;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.RootfsMount;
import io.berth.runtime.capability.Capability;
import io.berth.runtime.cgroup.HierarchyMount;
import io.berth.runtime.seccomp.SeccompCompiler;
import io.berth.runtime.seccomp.SeccompFilters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static io.berth.runtime.plan.LinuxFlags.*;

/**
 * Turns an OCI spec into the shim's plan: every decision (order, flags, paths) is made here so that
 * the C side stays a plain interpreter. The order of records is the order the kernel sees them.
 */
public final class PlanBuilder {
    /** mount(2) copies at most a page of data; longer overlay option strings are made relative to a common directory. */
    static final int MOUNT_DATA_LIMIT = 4095;

    private static final List<String> OVERLAY_PATH_KEYS = List.of("lowerdir", "upperdir", "workdir");
    private static final Map<String, String> DEV_SYMLINKS = Map.of(
            "/dev/fd", "/proc/self/fd", "/dev/stdin", "/proc/self/fd/0", "/dev/stdout", "/proc/self/fd/1",
            "/dev/stderr", "/proc/self/fd/2", "/dev/ptmx", "pts/ptmx");

    private final Spec spec;
    private final List<RootfsMount> rootfsMounts;
    private final List<Path> cgroupProcsFiles;
    private final StdioPlan stdio;
    private final Path exitFile;
    private List<HierarchyMount> cgroupHierarchies = List.of();
    private Path oomEventsFile;
    private boolean waitForStart;

    /**
     * The rootfs mount option (as the OCI spec's "idmap" for bind mounts) that asks for an overlay whose lower layers are
     * id-mapped to the container's new user namespace: the layers stay owned by host root on disk and look like the
     * container root's own inside.
     */
    public static final String IDMAP_OPTION = "idmap";

    /** The annotation that asks for a minimal init as pid 1 (docker run --init). */
    public static final String INIT_ANNOTATION = "io.berth.init";

    public PlanBuilder(Spec spec, List<RootfsMount> rootfsMounts, List<Path> cgroupProcsFiles, StdioPlan stdio, Path exitFile) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.rootfsMounts = List.copyOf(rootfsMounts);
        this.cgroupProcsFiles = List.copyOf(cgroupProcsFiles);
        this.stdio = Objects.requireNonNull(stdio, "stdio");
        this.exitFile = exitFile;
    }

    /** The container's cgroup hierarchies, shown at a spec mount of type "cgroup"; without them that mount is skipped. */
    public PlanBuilder cgroupHierarchies(List<HierarchyMount> hierarchies) {
        this.cgroupHierarchies = List.copyOf(hierarchies);
        return this;
    }

    /** The cgroup file counting OOM kills; the monitor compares its count before and after the run. */
    public PlanBuilder oomEventsFile(Path file) {
        this.oomEventsFile = file;
        return this;
    }

    /** The container stops before execve until its monitor gets SIGUSR1 (OCI create, then start). */
    public PlanBuilder waitForStart(boolean wait) {
        this.waitForStart = wait;
        return this;
    }

    public Plan build() {
        Process process = require(spec.process(), "process");
        if (process.args() == null || process.args().isEmpty()) throw new InvalidArgumentException("spec: process.args is empty");
        String rootfs = require(spec.root(), "root").path();
        if (rootfs == null || !rootfs.startsWith("/")) throw new InvalidArgumentException("spec: root.path must be absolute");
        Linux linux = spec.linux() != null ? spec.linux()
                : new Linux(null, null, null, null, null, null, null, null, null, null, null, null, null);
        List<Linux.Namespace> namespaces = linux.namespaces() == null ? List.of() : linux.namespaces();

        Plan plan = new Plan();
        stdio.addMonitorRecords(plan, process);
        plan.add("exit_file", exitFile);
        if (oomEventsFile != null) plan.add("oom_events", oomEventsFile);
        if (waitForStart) plan.add("wait_start");
        if (spec.annotations() != null && "true".equals(spec.annotations().get(INIT_ANNOTATION))) plan.add("init");
        // mount targets beneath it are resolved inside it, never through the container's symlinks
        plan.add("root", rootfs);
        namespaceRecords(plan, namespaces, linux);
        stdioOwner(plan, linux);
        cgroupProcsFiles.forEach(procs -> plan.add("join_cgroup", procs));
        if (createsNamespace(namespaces, "cgroup")) plan.add("unshare", CLONE_NEWCGROUP);
        // rslave: host mounts still reach the container, nothing the container mounts reaches the host.
        plan.add("propagation", "/", MS_REC | MS_SLAVE);
        for (RootfsMount m : rootfsMounts) {
            if (m.options().contains(IDMAP_OPTION)) idmappedOverlayRecord(plan, m, rootfs, namespaces, linux);
            else rootfsMountRecord(plan, m, rootfs);
        }
        plan.add("mount", "rootfs", rootfs, rootfs, "", MS_BIND | MS_REC, "", "", 0);
        boolean devIsTmpfs = false;
        for (Mount m : spec.mounts() == null ? List.<Mount>of() : spec.mounts()) {
            MountOptions options = MountOptions.parse(m.options());
            if ("cgroup".equals(m.type())) {
                // v1 hierarchies cannot be mounted from a user namespace; their directories are bound instead
                boolean unified = cgroupHierarchies.size() == 1 && cgroupHierarchies.getFirst().name().isEmpty();
                cgroupMounts(plan, inside(rootfs, m.destination()), m.destination(), options,
                        createsNamespace(namespaces, "cgroup") && (unified || !createsNamespace(namespaces, "user")));
                continue;
            }
            String fstype = m.type() == null || m.type().equals("bind") ? "" : m.type();
            plan.add("mount", m.destination(), m.source() == null ? fstype : m.source(), inside(rootfs, m.destination()),
                    fstype, options.flags(), options.data(), "", options.propagation());
            devIsTmpfs |= m.destination().equals("/dev") && "tmpfs".equals(m.type());
        }
        for (Linux.Device device : withDefaultDevices(linux.devices())) {
            int mode = (device.fileMode() == null ? 0666 : device.fileMode()) | deviceType(device.type());
            plan.add("mknod", inside(rootfs, device.path()), mode, nullToZero(device.major()), nullToZero(device.minor()),
                    nullToZero(device.uid()), nullToZero(device.gid()), device.path());
        }
        if (devIsTmpfs) {
            // a TreeMap, not sorted(comparingByKey()): that comparator is a serializable lambda the AOT cache cannot hold
            new TreeMap<>(DEV_SYMLINKS).forEach((link, target) -> plan.add("symlink", target, inside(rootfs, link)));
        }
        plan.add("pivot_root", rootfs);
        // in the container's tree, with its /dev/pts and /proc mounted, before anything is made read-only
        if (Boolean.TRUE.equals(process.terminal())) plan.add("terminal", "/dev/console");
        String cwd = process.cwd() == null ? "/" : process.cwd();
        plan.add("mkdir", cwd); // as root, before the process's user may lack the rights
        if (linux.rootfsPropagation() != null) {
            Long propagation = MountOptions.propagation(linux.rootfsPropagation());
            if (propagation == null) throw new InvalidArgumentException("spec: unknown rootfsPropagation " + linux.rootfsPropagation());
            plan.add("propagation", "/", propagation);
        }
        // sysctls first: /proc/sys is among the default read-only paths.
        if (linux.sysctl() != null) new TreeMap<>(linux.sysctl()).forEach((k, v) -> plan.add("sysctl", k, v));
        forEach(linux.maskedPaths(), path -> plan.add("mask", path));
        forEach(linux.readonlyPaths(), path -> plan.add("readonly", path));
        if (spec.hostname() != null && createsNamespace(namespaces, "uts")) plan.add("hostname", spec.hostname());
        if (spec.domainname() != null && createsNamespace(namespaces, "uts")) plan.add("domainname", spec.domainname());
        if (createsNamespace(namespaces, "network")) plan.add("loopback");
        if (spec.root().readonly() != null && spec.root().readonly()) plan.add("remount", "/", MS_RDONLY);
        processRecords(plan, process, linux.seccomp(), cwd);
        return plan;
    }

    /**
     * Compiled filters by profile: the specs are records, so the same profile (docker's default for most
     * containers, a running container's own for each of its execs) is compiled once, not per start.
     */
    private static final java.util.Map<io.berth.oci.runtime.Seccomp, String> COMPILED_SECCOMP =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<io.berth.oci.runtime.Seccomp, String> eldest) {
                    return size() > 64;
                }
            });

    /** From the process's umask to its execve: the part of a plan a container's first process and an exec share. */
    private static void processRecords(Plan plan, Process process, io.berth.oci.runtime.Seccomp seccompSpec, String cwd) {
        if (process.args() == null || process.args().isEmpty()) throw new InvalidArgumentException("spec: process.args is empty");
        if (process.user() != null && process.user().umask() != null) plan.add("umask", "0" + Integer.toOctalString(process.user().umask()));
        if (process.oomScoreAdj() != null) plan.add("oom_score_adj", process.oomScoreAdj());
        forEach(process.rlimits(), limit -> plan.add("rlimit", rlimit(limit.type()), Long.toUnsignedString(limit.soft()),
                Long.toUnsignedString(limit.hard())));
        String seccomp = seccompSpec == null ? null : COMPILED_SECCOMP.computeIfAbsent(seccompSpec,
                s -> HexFormat.of().formatHex(SeccompCompiler.compile(SeccompFilters.fromSpec(s)).toBytes()));
        boolean noNewPrivileges = Boolean.TRUE.equals(process.noNewPrivileges());
        // Without no_new_privs, installing a filter takes CAP_SYS_ADMIN, so it goes in before capabilities
        // are dropped; with it, as late as possible, so the filter judges only the container's own calls.
        if (seccomp != null && !noNewPrivileges) plan.add("seccomp", seccomp);
        processIdentity(plan, process);
        if (noNewPrivileges) plan.add("no_new_privs");
        plan.add("cwd", cwd);
        plan.add("env", process.env() == null ? List.of() : process.env());
        if (seccomp != null && noNewPrivileges) plan.add("seccomp", seccomp);
        plan.add("exec", process.args());
    }

    /** The namespaces an exec joins, in the order setns needs: the user namespace first (it grants the rights), mount last. */
    private static final List<String> EXEC_NAMESPACE_ORDER = List.of("user", "ipc", "uts", "network", "cgroup", "mount");
    private static final Map<String, String> PROC_NS_NAMES = Map.of("user", "user", "ipc", "ipc", "uts", "uts", "network", "net",
            "cgroup", "cgroup", "mount", "mnt", "pid", "pid");

    /**
     * A plan that runs {@code process} inside the running container whose pid 1 is {@code containerPid}: it joins the
     * namespaces the container has of its own (as /proc/&lt;pid&gt;/ns links), its cgroups and its seccomp filter; a
     * terminal comes from the container's devpts, but no /dev/console is bound for an exec (as with runc).
     */
    public static Plan execPlan(Spec container, Process process, int containerPid, List<Path> cgroupProcsFiles, StdioPlan stdio, Path exitFile) {
        Linux linux = container.linux();
        List<Linux.Namespace> namespaces = linux == null || linux.namespaces() == null ? List.of() : linux.namespaces();
        Plan plan = new Plan();
        stdio.addMonitorRecords(plan, process);
        plan.add("exit_file", exitFile);
        if (namespaces.stream().anyMatch(ns -> ns.type().equals("pid")))
            plan.add("pid_ns", "/proc/" + containerPid + "/ns/pid");
        plan.add("clone_flags", 0);
        if (linux != null) stdioOwner(plan, linux);
        cgroupProcsFiles.forEach(procs -> plan.add("join_cgroup", procs));
        for (String type : EXEC_NAMESPACE_ORDER) {
            if (namespaces.stream().anyMatch(ns -> ns.type().equals(type)))
                plan.add("join_ns", "/proc/" + containerPid + "/ns/" + PROC_NS_NAMES.get(type), NAMESPACES.get(type));
        }
        if (Boolean.TRUE.equals(process.terminal())) plan.add("terminal", "");
        processRecords(plan, process, linux == null ? null : linux.seccomp(), process.cwd() == null ? "/" : process.cwd());
        return plan;
    }

    /**
     * In its own cgroup namespace the container mounts the hierarchies themselves and sees its cgroup as their root;
     * without one it gets binds of its cgroup directories. v1 hierarchies sit in a tmpfs, as on the host.
     */
    private void cgroupMounts(Plan plan, String target, String destination, MountOptions options, boolean ownNamespace) {
        boolean unified = cgroupHierarchies.size() == 1 && cgroupHierarchies.getFirst().name().isEmpty();
        long flags = options.flags() & ~MS_BIND & ~MS_REC;
        if (!unified && !cgroupHierarchies.isEmpty()) {
            plan.add("mount", destination, "tmpfs", target, "tmpfs", flags & ~MS_RDONLY, "mode=755", "", 0);
        }
        for (HierarchyMount h : cgroupHierarchies) {
            String dir = h.name().isEmpty() ? target : target + "/" + h.name();
            String label = h.name().isEmpty() ? destination : destination + "/" + h.name();
            if (ownNamespace) plan.add("mount", label, "cgroup", dir, h.fstype(), flags, h.options(), "", 0);
            else plan.add("mount", label, h.hostDirectory(), dir, "", flags | MS_BIND | MS_REC, "", "", 0);
        }
        if (!unified && !cgroupHierarchies.isEmpty() && (flags & MS_RDONLY) != 0) plan.add("remount", target, flags);
    }

    private static void namespaceRecords(Plan plan, List<Linux.Namespace> namespaces, Linux linux) {
        long cloneFlags = 0;
        for (Linux.Namespace ns : namespaces) {
            Long flag = NAMESPACES.get(ns.type());
            if (flag == null) throw new InvalidArgumentException("spec: unknown namespace type " + ns.type());
            if (ns.path() != null && !ns.path().isEmpty()) {
                if (flag == CLONE_NEWPID) plan.add("pid_ns", ns.path());
                else plan.add("join_ns", ns.path(), flag);
            } else if (flag != CLONE_NEWCGROUP) { // unshared by the child once it is in its cgroup
                cloneFlags |= flag;
            }
        }
        plan.add("clone_flags", cloneFlags);
        if (linux.uidMappings() != null) plan.add("uid_map", idMap(linux.uidMappings()));
        if (linux.gidMappings() != null) plan.add("gid_map", idMap(linux.gidMappings()));
    }

    /**
     * stdio_owner &lt;host uid&gt; &lt;host gid&gt;: in a user namespace the monitor gives its stdio pipes to the container's root,
     * which could neither reopen them (/dev/stdout) nor hand them on to its process's user while unmapped host root owns them.
     */
    private static void stdioOwner(Plan plan, Linux linux) {
        Long uid = hostIdOfRoot(linux.uidMappings()), gid = hostIdOfRoot(linux.gidMappings());
        if (uid != null && gid != null) plan.add("stdio_owner", uid, gid);
    }

    private static Long hostIdOfRoot(List<Linux.IdMapping> mappings) {
        if (mappings == null) return null;
        return mappings.stream().filter(m -> m.containerID() <= 0 && 0 < m.containerID() + m.size())
                .map(m -> m.hostID() - m.containerID()).findFirst().orElse(null);
    }

    private static String idMap(List<Linux.IdMapping> mappings) {
        return mappings.stream().map(m -> m.containerID() + " " + m.hostID() + " " + m.size() + "\n").collect(Collectors.joining());
    }

    private static boolean createsNamespace(List<Linux.Namespace> namespaces, String type) {
        return namespaces.stream().anyMatch(ns -> ns.type().equals(type) && (ns.path() == null || ns.path().isEmpty()));
    }

    private static void rootfsMountRecord(Plan plan, RootfsMount mount, String rootfs) {
        MountOptions options = MountOptions.parse(mount.options());
        String data = options.data(), cwd = "";
        if (data.length() > MOUNT_DATA_LIMIT && "overlay".equals(mount.type())) {
            cwd = commonDirectory(overlayPaths(data));
            data = relativeTo(data, cwd);
        }
        if (data.length() > MOUNT_DATA_LIMIT) throw new InvalidArgumentException("rootfs mount options longer than a page: " + data.length() + " bytes");
        plan.add("mount", "rootfs", mount.source(), rootfs, mount.type(), options.flags(), data, cwd, options.propagation());
    }

    /**
     * idmapped_overlay &lt;rootfs&gt; &lt;upperdir&gt; &lt;workdir&gt; &lt;lower, top first&gt;...: the monitor, still host root, builds it
     * once the id maps are written (only host root may id-map a host filesystem) and attaches it in the child's mount
     * namespace; layers are passed to the kernel one by one, so no page limit applies.
     */
    private static void idmappedOverlayRecord(Plan plan, RootfsMount mount, String rootfs, List<Linux.Namespace> namespaces, Linux linux) {
        if (!"overlay".equals(mount.type())) throw new InvalidArgumentException("spec: only an overlay rootfs can be id-mapped, not " + mount.type());
        if (!createsNamespace(namespaces, "user") || linux.uidMappings() == null || linux.gidMappings() == null) {
            throw new InvalidArgumentException("spec: an id-mapped rootfs needs a new user namespace with uid and gid mappings");
        }
        Map<String, String> paths = new HashMap<>();
        for (String option : mount.options()) {
            if (option.equals(IDMAP_OPTION)) continue;
            int eq = option.indexOf('=');
            if (eq < 0 || !OVERLAY_PATH_KEYS.contains(option.substring(0, eq))) {
                throw new InvalidArgumentException("spec: unsupported option of an id-mapped overlay: " + option);
            }
            paths.put(option.substring(0, eq), option.substring(eq + 1));
        }
        if (!paths.keySet().containsAll(OVERLAY_PATH_KEYS)) {
            throw new InvalidArgumentException("spec: an id-mapped overlay needs lowerdir, upperdir and workdir");
        }
        List<String> args = new ArrayList<>(List.of(rootfs, paths.get("upperdir"), paths.get("workdir")));
        args.addAll(Arrays.asList(paths.get("lowerdir").split(":")));
        plan.add("idmapped_overlay", args);
    }

    private static List<String> overlayPaths(String data) {
        List<String> paths = new ArrayList<>();
        for (String option : data.split(",")) {
            int eq = option.indexOf('=');
            if (eq > 0 && OVERLAY_PATH_KEYS.contains(option.substring(0, eq)))
                paths.addAll(Arrays.asList(option.substring(eq + 1).split(":")));
        }
        return paths;
    }

    private static String commonDirectory(List<String> paths) {
        Path common = Path.of(paths.getFirst()).getParent();
        for (String p : paths) {
            while (!Path.of(p).startsWith(common)) common = common.getParent();
        }
        return common.toString();
    }

    private static String relativeTo(String data, String dir) {
        List<String> out = new ArrayList<>();
        for (String option : data.split(",")) {
            int eq = option.indexOf('=');
            if (eq > 0 && OVERLAY_PATH_KEYS.contains(option.substring(0, eq))) {
                String paths = Arrays.stream(option.substring(eq + 1).split(":"))
                        .map(p -> Path.of(dir).relativize(Path.of(p)).toString()).collect(Collectors.joining(":"));
                out.add(option.substring(0, eq + 1) + paths);
            } else {
                out.add(option);
            }
        }
        return String.join(",", out);
    }

    private static void processIdentity(Plan plan, Process process) {
        Process.Capabilities caps = process.capabilities();
        if (caps != null) plan.add("bounding", capabilityMask(caps.bounding()));
        Process.User user = process.user();
        List<Object> identity = new ArrayList<>(List.of(user == null ? 0 : user.uid(), user == null ? 0 : user.gid()));
        if (user != null && user.additionalGids() != null) identity.addAll(user.additionalGids());
        plan.add("user", identity.toArray());
        if (caps != null) {
            plan.add("caps", capabilityMask(caps.effective()), capabilityMask(caps.permitted()),
                    capabilityMask(caps.inheritable()), capabilityMask(caps.ambient()));
        }
    }

    static String capabilityMask(List<String> names) {
        long mask = 0;
        for (String name : names == null ? List.<String>of() : names) {
            mask |= 1L << Capability.parse(name, "spec: process.capabilities").number();
        }
        return "0x" + Long.toHexString(mask);
    }

    private static int rlimit(String type) {
        int resource = RLIMITS.indexOf(type);
        if (resource < 0) throw new InvalidArgumentException("spec: unknown rlimit " + type);
        return resource;
    }

    /** The devices the OCI spec says every container has, unless the spec lists them itself. */
    private static final List<Linux.Device> DEFAULT_DEVICES = List.of(
            new Linux.Device("/dev/null", "c", 1L, 3L, 0666, 0L, 0L), new Linux.Device("/dev/zero", "c", 1L, 5L, 0666, 0L, 0L),
            new Linux.Device("/dev/full", "c", 1L, 7L, 0666, 0L, 0L), new Linux.Device("/dev/random", "c", 1L, 8L, 0666, 0L, 0L),
            new Linux.Device("/dev/urandom", "c", 1L, 9L, 0666, 0L, 0L), new Linux.Device("/dev/tty", "c", 5L, 0L, 0666, 0L, 0L));

    private static List<Linux.Device> withDefaultDevices(List<Linux.Device> devices) {
        List<Linux.Device> all = new ArrayList<>(devices == null ? List.of() : devices);
        DEFAULT_DEVICES.stream().filter(d -> all.stream().noneMatch(listed -> listed.path().equals(d.path()))).forEach(all::add);
        return all;
    }

    private static int deviceType(String type) {
        return switch (type == null ? "c" : type) {
            case "c", "u" -> S_IFCHR;
            case "b" -> S_IFBLK;
            case "p" -> S_IFIFO;
            default -> throw new InvalidArgumentException("spec: unknown device type " + type);
        };
    }

    private static long nullToZero(Long value) {
        return value == null ? 0 : value;
    }

    private static String inside(String rootfs, String containerPath) {
        if (containerPath == null || !containerPath.startsWith("/"))
            throw new InvalidArgumentException("spec: container path must be absolute: " + containerPath);
        Path path = Path.of(rootfs, containerPath).normalize();
        if (!path.startsWith(rootfs)) throw new InvalidArgumentException("spec: container path leaves the rootfs: " + containerPath);
        return path.toString();
    }

    private static <T> void forEach(List<T> list, Consumer<T> action) {
        if (list != null) list.forEach(action);
    }

    private static <T> T require(T value, String field) {
        if (value == null) throw new InvalidArgumentException("spec: " + field + " is missing");
        return value;
    }
}
