package io.berth.engine.container;

import io.berth.engine.security.SecurityOptions;
import io.berth.engine.security.SecurityPolicy;
import io.berth.engine.userns.UsernsRemap;
import io.berth.errdefs.ConflictException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Root;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.spec.SpecDefaults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns a container's effective config into the OCI spec its process runs with, on top of the
 * runtime's {@link SpecDefaults} (docker's mounts, namespaces, devices, capabilities): the command, env,
 * working directory (created in the writable layer when the image lacks it, as docker does), user and
 * extra groups, hostname, the /etc/hostname, /etc/hosts and /etc/resolv.conf bind mounts, user binds,
 * tmpfs mounts, the cgroup path berth/&lt;id&gt; with its limits, and the isolation flags: capabilities,
 * seccomp, no_new_privs, --privileged, --read-only, rlimits, host namespaces, devices and --init; with the daemon's
 * --userns-remap (unless --userns=host) a new user namespace mapped to the remap's subordinate ids.
 * {@link #check} runs the same translation at create time, so bad input is refused before anything exists.
 */
public final class OciSpecBuilder {
    /** The annotation that asks the runtime to run its init as pid 1 (docker's --init). */
    public static final String INIT_ANNOTATION = "io.berth.init";
    /** Mount options docker puts on every --tmpfs mount before the user's own (later ones win). */
    private static final List<String> TMPFS_DEFAULTS = List.of("noexec", "nosuid", "nodev");
    private static final String CONTAINER_MODE = "container:";
    private static final Set<String> RLIMITS = Set.of("as", "core", "cpu", "data", "fsize", "locks", "memlock",
            "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack");

    private final Container container;
    private final ContainerFiles files;
    private final List<Path> layersBottomFirst;
    private final SecurityPolicy security;
    private final Function<String, Container> containers;
    private final UsernsRemap remap;

    /**
     * @param containers resolves the other container of a "container:NAME" namespace mode (throws when unknown)
     * @param remap the daemon's --userns-remap, or null
     */
    public OciSpecBuilder(Container container, ContainerFiles files, List<Path> layersBottomFirst, SecurityPolicy security,
                          Function<String, Container> containers, UsernsRemap remap) {
        this.container = container;
        this.files = files;
        this.layersBottomFirst = layersBottomFirst;
        this.security = security;
        this.containers = containers;
        this.remap = remap;
    }

    /** Without a daemon-wide user namespace remap. */
    public OciSpecBuilder(Container container, ContainerFiles files, List<Path> layersBottomFirst, SecurityPolicy security,
                          Function<String, Container> containers) {
        this(container, files, layersBottomFirst, security, containers, null);
    }

    /** The remap this container runs under: the daemon's, unless it asked for the host's user namespace. */
    public static Optional<UsernsRemap> remapOf(Container container, UsernsRemap remap) {
        String mode = container.host().isolation().usernsMode();
        if (!mode.isEmpty() && !mode.equals("host")) throw new InvalidArgumentException("invalid USER mode: " + mode);
        return remap == null || mode.equals("host") ? Optional.empty() : Optional.of(remap);
    }

    /**
     * Refuses, with a message naming the flag, what {@link #build} would fail on at start: unknown
     * capabilities, security options, seccomp profiles, users and groups, ulimits, tmpfs targets,
     * namespace modes and devices. Touches nothing on disk.
     */
    public void check() {
        HostSpec h = container.host();
        Isolation iso = h.isolation();
        checkUserNamespace(h);
        for (Map.Entry<String, String> mode : namespaceModes(h).entrySet()) {
            if (!mode.getValue().startsWith(CONTAINER_MODE)) continue;
            try {
                containers.apply(mode.getValue().substring(CONTAINER_MODE.length()));
            } catch (NotFoundException e) {
                // not a 404: clients read that as a missing image and try to pull it
                throw new InvalidArgumentException("cannot join the " + mode.getKey() + " namespace of container "
                        + mode.getValue().substring(CONTAINER_MODE.length()) + ": " + e.getMessage());
            }
        }
        if (iso.utsMode().equals("host") && container.spec().hostname() != null
                && !container.spec().hostname().isEmpty() && !container.spec().hostname().equals(hostHostname())) {
            throw new InvalidArgumentException("Conflicting options: hostname and the UTS mode");
        }
        SecurityOptions options = SecurityOptions.parse(iso.securityOpt());
        Process.Capabilities caps = security.capabilities(iso.capAdd(), iso.capDrop(), iso.privileged());
        security.seccomp(options, iso.privileged(), caps);
        user();
        rlimits(null, iso.ulimits());
        tmpfsMounts(iso.tmpfs());
        for (Isolation.DeviceMapping d : iso.devices()) device(d);
    }

    public Spec build() throws IOException {
        ContainerSpec s = container.spec();
        HostSpec h = container.host();
        Isolation iso = h.isolation();
        List<String> args = new ArrayList<>(s.entrypoint());
        args.addAll(s.cmd());
        if (args.isEmpty()) throw new InvalidArgumentException("No command specified");
        checkUserNamespace(h);
        Spec defaults = SpecDefaults.spec(files.mergedDir().toString(), args, s.hostname(), "berth/" + container.id());
        String cwd = s.workingDir().isEmpty() ? "/" : s.workingDir();
        ensureWorkingDir(cwd);
        SecurityOptions options = SecurityOptions.parse(iso.securityOpt());
        Process.Capabilities capabilities = security.capabilities(iso.capAdd(), iso.capDrop(), iso.privileged());
        Process base = defaults.process();
        Process process = new Process(s.tty(), consoleSize(h.consoleSize(), base.consoleSize()), user(base.user()), List.copyOf(args), null, s.env(),
                cwd, capabilities, rlimits(base.rlimits(), iso.ulimits()),
                options.noNewPrivileges() ? Boolean.TRUE : base.noNewPrivileges(),
                base.apparmorProfile(), base.oomScoreAdj(), base.selinuxLabel());
        Map<String, String> annotations = new LinkedHashMap<>();
        if (defaults.annotations() != null) annotations.putAll(defaults.annotations());
        annotations.put("io.berth.container.name", container.name());
        if (iso.init()) annotations.put(INIT_ANNOTATION, "true");
        Files.createDirectories(files.mergedDir());
        boolean hostUts = iso.utsMode().equals("host");
        return new Spec(Spec.VERSION, process, new Root(files.mergedDir().toString(), iso.readonlyRootfs()),
                hostUts ? null : s.hostname(), hostUts || s.domainname().isEmpty() ? null : s.domainname(),
                mounts(defaults.mounts(), iso), linux(defaults.linux(), h, options, capabilities), annotations);
    }

    /**
     * What dockerd refuses with a remap (the host's namespaces would hand the container the host's root), and what
     * Berth cannot do in one: join another container's namespaces, which belong to that container's user namespace.
     */
    private void checkUserNamespace(HostSpec h) {
        if (remapOf(container, remap).isEmpty()) return;
        Isolation iso = h.isolation();
        if (iso.privileged()) {
            throw new InvalidArgumentException("privileged mode is incompatible with user namespaces.  You must run the container "
                    + "in the host namespace when running privileged mode");
        }
        if (h.hostNetwork()) throw new InvalidArgumentException("cannot share the host's network namespace when user namespaces are enabled");
        if (iso.pidMode().equals("host")) throw new InvalidArgumentException("cannot share the host PID namespace when user namespaces are enabled");
        for (Map.Entry<String, String> mode : namespaceModes(h).entrySet()) {
            if (mode.getValue().startsWith(CONTAINER_MODE)) {
                throw new InvalidArgumentException("cannot join the " + mode.getKey() + " namespace of container "
                        + mode.getValue().substring(CONTAINER_MODE.length()) + " when user namespaces are enabled: use --userns=host");
            }
        }
    }

    /** HostConfig.ConsoleSize is [height, width]; docker's 0x0 means "not given". */
    static Process.ConsoleSize consoleSize(List<Integer> requested, Process.ConsoleSize fallback) {
        if (requested == null || requested.get(0) <= 0 || requested.get(1) <= 0) return fallback;
        return new Process.ConsoleSize(requested.get(0), requested.get(1));
    }

    private Linux linux(Linux defaults, HostSpec h, SecurityOptions options, Process.Capabilities capabilities) {
        Isolation iso = h.isolation();
        Map<String, String> modes = namespaceModes(h);
        List<Linux.Namespace> namespaces = new ArrayList<>();
        for (Linux.Namespace ns : defaults.namespaces()) {
            String mode = modes.get(ns.type());
            if (mode == null) namespaces.add(ns);
            else if (mode.startsWith(CONTAINER_MODE)) namespaces.add(joined(ns.type(), mode.substring(CONTAINER_MODE.length())));
        }
        List<LinuxResources.DeviceRule> rules = new ArrayList<>();
        List<Linux.Device> devices = new ArrayList<>(defaults.devices());
        if (iso.privileged()) {
            rules.add(new LinuxResources.DeviceRule(true, "a", null, null, "rwm"));
            Set<String> present = new HashSet<>(devices.stream().map(Linux.Device::path).toList());
            HostDevices.all().stream().filter(d -> present.add(d.path())).forEach(devices::add);
        } else {
            rules.addAll(defaults.resources().devices());
        }
        for (Isolation.DeviceMapping mapping : iso.devices()) {
            Linux.Device d = device(mapping);
            devices.removeIf(existing -> existing.path().equals(d.path()));
            devices.add(d);
            rules.add(new LinuxResources.DeviceRule(true, d.type(), d.major(), d.minor(), permissions(mapping)));
        }
        boolean unmasked = iso.privileged() || options.systemPathsUnconfined();
        Optional<UsernsRemap> userns = remapOf(container, remap);
        userns.ifPresent(r -> namespaces.add(new Linux.Namespace("user", null)));
        return new Linux(namespaces, userns.map(UsernsRemap::uidMappings).orElse(defaults.uidMappings()),
                userns.map(UsernsRemap::gidMappings).orElse(defaults.gidMappings()), defaults.sysctl(),
                ResourceRules.toLinux(h.resources(), rules), defaults.cgroupsPath(),
                security.seccomp(options, iso.privileged(), capabilities), defaults.rootfsPropagation(),
                unmasked ? List.of() : defaults.maskedPaths(), unmasked ? List.of() : defaults.readonlyPaths(),
                devices, defaults.mountLabel(), defaults.personality());
    }

    /**
     * The namespace types not made new, by OCI type: "host" (left out of the spec) or "container:NAME"
     * (joined), after checking the modes are ones Berth knows, with dockerd's messages.
     */
    private static Map<String, String> namespaceModes(HostSpec h) {
        Isolation iso = h.isolation();
        Map<String, String> modes = new LinkedHashMap<>();
        mode(iso.pidMode(), "PID", Set.of(""), true).ifPresent(m -> modes.put("pid", m));
        mode(iso.ipcMode(), "IPC", Set.of("", "private", "shareable"), true).ifPresent(m -> modes.put("ipc", m));
        mode(iso.utsMode(), "UTS", Set.of(""), false).ifPresent(m -> modes.put("uts", m));
        if (h.hostNetwork() || h.networkMode().startsWith(CONTAINER_MODE)) {
            if (h.networkMode().equals(CONTAINER_MODE)) throw new InvalidArgumentException("invalid network mode: container:");
            modes.put("network", h.networkMode());
        } else if (!Set.of("default", "bridge", "none").contains(h.networkMode())) {
            throw new InvalidArgumentException("network " + h.networkMode() + " not found");
        }
        return modes;
    }

    /** "host" or "container:NAME" when shared; empty for one of {@code ownModes}; refused otherwise. */
    private static Optional<String> mode(String value, String kind, Set<String> ownModes, boolean joinable) {
        if (value.equals("host")) return Optional.of(value);
        if (ownModes.contains(value)) return Optional.empty();
        if (joinable && value.startsWith(CONTAINER_MODE) && value.length() > CONTAINER_MODE.length()) return Optional.of(value);
        throw new InvalidArgumentException("invalid " + kind + " mode: " + value);
    }

    /** The namespace of another container's pid 1, which must be running. */
    private Linux.Namespace joined(String type, String reference) {
        Container other = containers.apply(reference);
        if (!other.isRunning() || other.pid() <= 0) {
            throw new ConflictException("cannot join the " + type + " namespace of container " + reference + ": it is not running");
        }
        String file = type.equals("network") ? "net" : type;
        return new Linux.Namespace(type, "/proc/" + other.pid() + "/ns/" + file);
    }

    private Process.User user(Process.User base) {
        UserResolver.ResolvedUser user = user();
        // dockerd lists the primary group first among the supplementary ones, then the image's, then --group-add.
        List<Long> gids = new ArrayList<>(List.of((long) user.gid()));
        user.additionalGids().stream().map(Integer::longValue).filter(g -> !gids.contains(g)).forEach(gids::add);
        UserResolver groups = new UserResolver(this::fileInImage);
        for (String group : container.host().isolation().groupAdd()) {
            long gid = groups.group(group);
            if (!gids.contains(gid)) gids.add(gid);
        }
        return new Process.User(user.uid(), user.gid(), base == null ? null : base.umask(), gids, null);
    }

    private UserResolver.ResolvedUser user() {
        UserResolver resolver = new UserResolver(this::fileInImage);
        for (String group : container.host().isolation().groupAdd()) resolver.group(group);
        return resolver.resolve(container.spec().user());
    }

    /** The defaults with --ulimit values replacing those of the same type. */
    static List<Process.Rlimit> rlimits(List<Process.Rlimit> defaults, List<Isolation.Ulimit> ulimits) {
        Map<String, Process.Rlimit> byType = new LinkedHashMap<>();
        if (defaults != null) defaults.forEach(r -> byType.put(r.type(), r));
        for (Isolation.Ulimit u : ulimits) {
            String name = u.name() == null ? "" : u.name().toLowerCase(Locale.ROOT);
            if (!RLIMITS.contains(name)) throw new InvalidArgumentException("invalid ulimit type: " + u.name());
            if (u.soft() > u.hard() && u.hard() != -1) {
                throw new InvalidArgumentException("ulimit soft limit must be less than or equal to hard limit: "
                        + u.soft() + " > " + u.hard());
            }
            String type = "RLIMIT_" + name.toUpperCase(Locale.ROOT);
            byType.put(type, new Process.Rlimit(type, u.hard(), u.soft()));
        }
        return byType.isEmpty() ? null : List.copyOf(byType.values());
    }

    /** Default mounts (made writable where --privileged asks), the /etc files, binds, then --tmpfs (later mounts win). */
    private List<Mount> mounts(List<Mount> defaults, Isolation iso) {
        List<Mount> mounts = new ArrayList<>();
        // a user namespace may not mount mqueue for the host's IPC namespace: the host's own mount is bound instead, if any
        boolean hostMqueue = iso.ipcMode().equals("host") && remapOf(container, remap).isPresent();
        for (Mount m : defaults == null ? List.<Mount>of() : defaults) {
            if (hostMqueue && m.type().equals("mqueue")) {
                if (Files.isDirectory(Path.of(m.destination()))) {
                    mounts.add(new Mount(m.destination(), "bind", m.destination(), List.of("rbind", "nosuid", "noexec", "nodev")));
                }
                continue;
            }
            boolean writable = iso.privileged() && (m.type().equals("sysfs") || m.type().equals("cgroup"));
            mounts.add(writable ? new Mount(m.destination(), m.type(), m.source(),
                    m.options().stream().filter(o -> !o.equals("ro")).toList()) : m);
        }
        mounts.add(bind(files.resolvConf(), "/etc/resolv.conf", false));
        mounts.add(bind(files.hostnameFile(), "/etc/hostname", false));
        mounts.add(bind(files.hostsFile(), "/etc/hosts", false));
        for (String spec : container.host().binds()) mounts.add(userBind(spec));
        mounts.addAll(tmpfsMounts(iso.tmpfs()));
        return mounts;
    }

    /** --tmpfs PATH[:OPTIONS]: docker's noexec,nosuid,nodev first, the user's options overriding them. */
    static List<Mount> tmpfsMounts(Map<String, String> tmpfs) {
        List<Mount> mounts = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(tmpfs).entrySet()) {
            if (!e.getKey().startsWith("/")) {
                throw new InvalidArgumentException("invalid --tmpfs destination \"" + e.getKey() + "\": it must be an absolute path");
            }
            List<String> given = e.getValue().isEmpty() ? List.of() : List.of(e.getValue().split(","));
            mounts.add(new Mount(e.getKey(), "tmpfs", "tmpfs", mergeMountOptions(TMPFS_DEFAULTS, given)));
        }
        return mounts;
    }

    /** Later options win: "exec" cancels "noexec", "size=2m" replaces "size=1m". */
    static List<String> mergeMountOptions(List<String> first, List<String> then) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (String option : Stream.concat(first.stream(), then.stream()).toList()) {
            String trimmed = option.strip();
            if (trimmed.isEmpty()) continue;
            String key = trimmed.contains("=") ? trimmed.substring(0, trimmed.indexOf('='))
                    : trimmed.startsWith("no") && !trimmed.equals("nosymfollow") ? trimmed.substring(2) : trimmed;
            byKey.remove(key);
            byKey.put(key, trimmed);
        }
        return List.copyOf(byKey.values());
    }

    private static Linux.Device device(Isolation.DeviceMapping mapping) {
        String inContainer = mapping.pathInContainer() == null || mapping.pathInContainer().isEmpty()
                ? mapping.pathOnHost() : mapping.pathInContainer();
        if (!permissions(mapping).matches("[rwm]{1,3}")) {
            throw new InvalidArgumentException("invalid device mode: " + mapping.cgroupPermissions());
        }
        return HostDevices.device(mapping.pathOnHost(), inContainer);
    }

    private static String permissions(Isolation.DeviceMapping mapping) {
        return mapping.cgroupPermissions() == null || mapping.cgroupPermissions().isEmpty() ? "rwm" : mapping.cgroupPermissions();
    }

    private static String hostHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static Mount bind(Path source, String destination, boolean readOnly) {
        List<String> options = new ArrayList<>(List.of("rbind", "rprivate"));
        if (readOnly) options.add("ro");
        return new Mount(destination, "bind", source.toString(), options);
    }

    /** docker -v HOST:CONTAINER[:ro|rw]; only absolute host paths (named volumes come later). */
    private static Mount userBind(String spec) {
        String[] parts = spec.split(":");
        if (parts.length < 2 || !parts[0].startsWith("/") || !parts[1].startsWith("/")) {
            throw new InvalidArgumentException("invalid bind mount spec \"" + spec + "\": expected /host/path:/container/path[:ro]");
        }
        boolean readOnly = parts.length > 2 && List.of(parts[2].split(",")).contains("ro");
        return bind(Path.of(parts[0]), parts[1], readOnly);
    }

    /** Made in the writable layer, each new directory owned by the container's root (the remapped one, if any). */
    private void ensureWorkingDir(String cwd) throws IOException {
        String relative = cwd.replaceFirst("^/+", "");
        if (relative.isEmpty() || fileInImage(relative).isPresent()) return;
        Optional<UsernsRemap> userns = remapOf(container, remap);
        Path dir = files.upperDir();
        for (Path part : Path.of(relative)) {
            dir = dir.resolve(part);
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
            Files.createDirectory(dir);
            if (userns.isPresent()) ContainerFiles.chown(dir, userns.get().rootUid(), userns.get().rootGid());
        }
    }

    /** A path inside the container's filesystem: the writable layer first, then the image layers top down. */
    private Optional<Path> fileInImage(String relative) {
        String clean = relative.replaceFirst("^/+", "");
        if (Files.exists(files.upperDir().resolve(clean), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(files.upperDir().resolve(clean));
        }
        for (Path layer : layersBottomFirst.reversed()) {
            Path candidate = layer.resolve(clean);
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
