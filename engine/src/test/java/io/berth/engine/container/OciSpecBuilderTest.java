package io.berth.engine.container;

import io.berth.engine.security.SecurityPolicy;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** HostConfig's isolation and resource fields as they land in the OCI spec; no root needed. */
class OciSpecBuilderTest {
    private static final SecurityPolicy SECURITY = new SecurityPolicy();
    private Path dir;
    private Path layer;

    @BeforeEach
    void image() throws IOException {
        dir = Files.createTempDirectory("spec-builder-");
        layer = Files.createDirectories(dir.resolve("layer"));
        Files.createDirectories(layer.resolve("etc"));
        Files.writeString(layer.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(layer.resolve("etc/group"), "root:x:0:\naudio:x:29:nobody\nnogroup:x:65534:\n");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static Isolation isolation(List<String> capAdd, List<String> capDrop, boolean privileged, List<String> securityOpt) {
        return new Isolation(capAdd, capDrop, privileged, securityOpt, false, null, null, null, null, null, null, false, null);
    }

    private OciSpecBuilder builder(String user, HostSpec host) {
        String id = "ab".repeat(32);
        ContainerSpec spec = new ContainerSpec("busybox", List.of(), List.of("true"), List.of("PATH=/bin"), "", user,
                "box", "", Map.of(), false, false, false, false, true, true, null, null);
        Container c = new Container(id, "box", "sha256:abc", "busybox", spec, host, Instant.now(), ContainerState.CREATED,
                0, 0, null, null, "", false);
        return new OciSpecBuilder(c, ContainerFiles.of(dir, id), List.of(layer), SECURITY, this::other);
    }

    /** Other containers for "container:NAME" modes: "web" runs as host pid 4321, "idle" is not running. */
    private Container other(String reference) {
        ContainerSpec spec = new ContainerSpec("busybox", List.of(), List.of("sleep"), List.of(), "", "", reference, "",
                Map.of(), false, false, false, false, false, false, null, null);
        Container created = new Container("cd".repeat(32), reference, "sha256:abc", "busybox", spec, HostSpec.defaults(),
                Instant.now(), ContainerState.CREATED, 0, 0, null, null, "", false);
        return switch (reference) {
            case "web" -> created.running(4321, Instant.now());
            case "idle" -> created;
            default -> throw new io.berth.errdefs.NotFoundException("No such container: " + reference);
        };
    }

    private Spec build(HostSpec host) throws IOException {
        return builder("", host).build();
    }

    private static HostSpec host(Isolation isolation) {
        return new HostSpec(false, List.of(), null, Resources.NONE, isolation);
    }

    private static List<String> namespaceTypes(Spec spec) {
        return spec.linux().namespaces().stream().map(Linux.Namespace::type).toList();
    }

    @Test
    void defaultsAreDockersConfinement() throws IOException {
        Spec spec = build(HostSpec.defaults());
        assertNotNull(spec.linux().seccomp(), "default seccomp profile");
        assertFalse(spec.linux().maskedPaths().isEmpty());
        assertFalse(spec.root().readonly());
        assertNull(spec.process().noNewPrivileges());
        assertTrue(namespaceTypes(spec).containsAll(List.of("pid", "ipc", "uts", "network", "mount", "cgroup")));
        assertEquals("box", spec.hostname());
        assertFalse(spec.process().capabilities().bounding().contains("CAP_SYS_ADMIN"));
        assertEquals(List.of(), spec.process().capabilities().ambient());
        assertFalse(spec.annotations().containsKey(OciSpecBuilder.INIT_ANNOTATION));
    }

    @Test
    void capabilitiesFollowCapAddAndCapDrop() throws IOException {
        assertEquals(List.of(), build(host(isolation(null, List.of("ALL"), false, null))).process().capabilities().effective());
        List<String> added = build(host(isolation(List.of("NET_ADMIN"), List.of("ALL"), false, null))).process().capabilities().effective();
        assertEquals(List.of("CAP_NET_ADMIN"), added);
        assertThrows(InvalidArgumentException.class, () -> builder("", host(isolation(List.of("FLY"), null, false, null))).check());
    }

    @Test
    void privilegedLiftsTheConfinement() throws IOException {
        Spec spec = build(host(isolation(null, null, true, null)));
        assertNull(spec.linux().seccomp());
        assertEquals(List.of(), spec.linux().maskedPaths());
        assertEquals(List.of(), spec.linux().readonlyPaths());
        assertTrue(spec.process().capabilities().bounding().contains("CAP_SYS_ADMIN"));
        assertEquals(List.of(new LinuxResources.DeviceRule(true, "a", null, null, "rwm")), spec.linux().resources().devices());
        Mount sys = spec.mounts().stream().filter(m -> m.destination().equals("/sys")).findFirst().orElseThrow();
        assertFalse(sys.options().contains("ro"), "privileged gets a writable /sys: " + sys);
        assertTrue(spec.linux().devices().size() > 6, "host devices are added");
    }

    @Test
    void securityOptions() throws IOException {
        assertNull(build(host(isolation(null, null, false, List.of("seccomp=unconfined")))).linux().seccomp());
        assertEquals(Boolean.TRUE, build(host(isolation(null, null, false, List.of("no-new-privileges")))).process().noNewPrivileges());
        String profile = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
        var seccomp = build(host(isolation(null, null, false, List.of("seccomp=" + profile)))).linux().seccomp();
        assertEquals("SCMP_ACT_ALLOW", seccomp.defaultAction());
        assertEquals(List.of("mkdir"), seccomp.syscalls().getFirst().names());
        String message = assertThrows(InvalidArgumentException.class,
                () -> builder("", host(isolation(null, null, false, List.of("seccomp={\"syscalls\":[]}")))).check()).getMessage();
        assertTrue(message.contains("seccomp"), message);
        assertThrows(InvalidArgumentException.class,
                () -> builder("", host(isolation(null, null, false, List.of("seccomp={not json")))).check());
    }

    @Test
    void hardeningFlags() throws IOException {
        Isolation iso = new Isolation(null, null, false, null, true, Map.of("/run", "size=64m,exec"),
                List.of(new Isolation.Ulimit("nofile", 1024, 2048)), List.of("audio", "4242"), "host", "host", "host", true,
                List.of(new Isolation.DeviceMapping("/dev/null", "/dev/mynull", "rw")));
        Spec spec = builder("nobody", new HostSpec(false, List.of(), "host", Resources.NONE, iso)).build();
        assertTrue(spec.root().readonly());
        Mount run = spec.mounts().stream().filter(m -> m.destination().equals("/run")).findFirst().orElseThrow();
        assertEquals("tmpfs", run.type());
        assertEquals(List.of("nosuid", "nodev", "size=64m", "exec"), run.options());
        assertEquals(List.of(new Process.Rlimit("RLIMIT_NOFILE", 2048, 1024)), spec.process().rlimits());
        assertEquals(65534, spec.process().user().uid());
        assertEquals(List.of(65534L, 29L, 4242L), spec.process().user().additionalGids());
        assertEquals(List.of("mount", "cgroup"), namespaceTypes(spec));
        assertNull(spec.hostname(), "a host UTS namespace must not be renamed");
        assertEquals("true", spec.annotations().get(OciSpecBuilder.INIT_ANNOTATION));
        Linux.Device mine = spec.linux().devices().stream().filter(d -> d.path().equals("/dev/mynull")).findFirst().orElseThrow();
        assertEquals(1L, mine.major());
        assertEquals(3L, mine.minor());
        assertTrue(spec.linux().resources().devices().contains(new LinuxResources.DeviceRule(true, "c", 1L, 3L, "rw")));
    }

    @Test
    void badHardeningValuesAreRefusedNamingTheFlag() {
        assertEquals("invalid ulimit type: fly", assertThrows(InvalidArgumentException.class, () -> builder("",
                host(new Isolation(null, null, false, null, false, null, List.of(new Isolation.Ulimit("fly", 1, 2)),
                        null, null, null, null, false, null))).check()).getMessage());
        assertEquals("invalid PID mode: fancy", assertThrows(InvalidArgumentException.class, () -> builder("",
                host(new Isolation(null, null, false, null, false, null, null, null, "fancy", null, null, false, null))).check())
                .getMessage());
        assertTrue(assertThrows(InvalidArgumentException.class, () -> builder("nosuchuser", HostSpec.defaults()).check())
                .getMessage().contains("unable to find user nosuchuser"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> builder("",
                host(new Isolation(null, null, false, null, false, null, null, List.of("nosuchgroup"), null, null, null, false,
                        null))).check()).getMessage().contains("nosuchgroup"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> builder("",
                host(new Isolation(null, null, false, null, false, null, null, null, null, null, null, false,
                        List.of(new Isolation.DeviceMapping("/dev/no-such-device", null, null))))).check())
                .getMessage().contains("/dev/no-such-device"));
        assertThrows(InvalidArgumentException.class, () -> builder("",
                new HostSpec(false, List.of(), "nosuchnet", Resources.NONE, Isolation.DEFAULTS)).check());
    }

    @Test
    void containerModesJoinTheOtherContainersNamespaces() throws IOException {
        Isolation iso = new Isolation(null, null, false, null, false, null, null, null, "container:web", "container:web", null,
                false, null);
        Spec spec = build(new HostSpec(false, List.of(), "container:web", Resources.NONE, iso));
        Map<String, String> paths = new java.util.HashMap<>();
        spec.linux().namespaces().forEach(ns -> paths.put(ns.type(), ns.path()));
        assertEquals("/proc/4321/ns/net", paths.get("network"));
        assertEquals("/proc/4321/ns/pid", paths.get("pid"));
        assertEquals("/proc/4321/ns/ipc", paths.get("ipc"));
        assertNull(paths.get("uts"), "a new UTS namespace");
        assertThrows(io.berth.errdefs.ConflictException.class,
                () -> build(new HostSpec(false, List.of(), "container:idle", Resources.NONE, Isolation.DEFAULTS)));
        String message = assertThrows(InvalidArgumentException.class,
                () -> builder("", new HostSpec(false, List.of(), "container:nosuch", Resources.NONE, Isolation.DEFAULTS)).check())
                .getMessage();
        assertTrue(message.contains("No such container: nosuch"), message);
    }

    @Test
    void resourcesReachTheSpec() throws IOException {
        Resources r = new ResourceRules("0-1").forCreate(new Resources(32L << 20, null, null, 500_000_000L, null, null, null,
                null, null, 10L, null, null));
        LinuxResources linux = build(new HostSpec(false, List.of(), null, r, Isolation.DEFAULTS)).linux().resources();
        assertEquals(32L << 20, linux.memory().limit());
        assertEquals(50_000L, linux.cpu().quota());
        assertEquals(10L, linux.pids().limit());
        assertFalse(linux.devices().isEmpty(), "the default device rules stay");
    }
}
