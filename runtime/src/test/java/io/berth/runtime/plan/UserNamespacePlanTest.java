package io.berth.runtime.plan;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.ProcessIo;
import io.berth.runtime.RootfsMount;
import io.berth.runtime.spec.SpecDefaults;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The records a container in a user namespace adds for its monitor: the id-mapped rootfs and the stdio pipes' owner. */
class UserNamespacePlanTest {
    private static final Path EXIT = Path.of("/run/berth/c/exit");
    private static final StdioPlan LOGGED = new StdioPlan.Relayed(ProcessIo.logTo(Path.of("/var/log/c.json")), null);
    private static final RootfsMount IDMAPPED = new RootfsMount("overlay", "overlay",
            List.of("lowerdir=/layers/top:/layers/base", "upperdir=/c/upper", "workdir=/c/work", PlanBuilder.IDMAP_OPTION));

    private static Spec spec(boolean userNamespace) {
        Spec base = SpecDefaults.spec("/rootfs", List.of("true"), "c", "berth/c");
        Linux l = base.linux();
        List<Linux.Namespace> namespaces = new ArrayList<>(l.namespaces());
        List<Linux.IdMapping> map = userNamespace ? List.of(new Linux.IdMapping(0, 231072, 65536)) : null;
        if (userNamespace) namespaces.add(new Linux.Namespace("user", null));
        Linux linux = new Linux(namespaces, map, map, l.sysctl(), l.resources(), l.cgroupsPath(), l.seccomp(), l.rootfsPropagation(),
                l.maskedPaths(), l.readonlyPaths(), l.devices(), l.mountLabel(), l.personality());
        return new Spec(base.ociVersion(), base.process(), base.root(), base.hostname(), null, base.mounts(), linux, null);
    }

    private static Plan build(Spec spec, RootfsMount rootfs) {
        return new PlanBuilder(spec, List.of(rootfs), List.of(), LOGGED, EXIT).build();
    }

    @Test
    void anIdmappedOverlayIsTheMonitorsRecordWithLayersTopFirst() {
        Plan plan = build(spec(true), IDMAPPED);
        assertEquals(List.of(List.of("/rootfs", "/c/upper", "/c/work", "/layers/top", "/layers/base")),
                plan.records("idmapped_overlay").stream().map(Plan.Record::args).toList());
        assertTrue(plan.records("mount").stream().noneMatch(r -> r.args().get(3).equals("overlay")),
                "the child mounts no overlay of its own");
        assertEquals(List.of("rootfs", "/rootfs", "/rootfs"), plan.records("mount").getFirst().args().subList(0, 3),
                "the child still binds the rootfs onto itself");
        assertEquals(List.of("231072", "231072"), plan.records("stdio_owner").getFirst().args());
    }

    @Test
    void anExecInAUserNamespaceGivesItsPipesToTheContainersRootToo() {
        Spec container = spec(true);
        Plan plan = PlanBuilder.execPlan(container, container.process(), 4242, List.of(), LOGGED, EXIT);
        assertEquals(List.of("231072", "231072"), plan.records("stdio_owner").getFirst().args());
        assertTrue(PlanBuilder.execPlan(spec(false), container.process(), 4242, List.of(), LOGGED, EXIT).records("stdio_owner").isEmpty());
    }

    @Test
    void anIdmappedRootfsNeedsANewMappedUserNamespaceAndOnlyOverlayPaths() {
        assertEquals("spec: an id-mapped rootfs needs a new user namespace with uid and gid mappings",
                assertThrows(InvalidArgumentException.class, () -> build(spec(false), IDMAPPED)).getMessage());
        RootfsMount extra = new RootfsMount("overlay", "overlay",
                List.of("lowerdir=/l", "upperdir=/u", "workdir=/w", "index=on", PlanBuilder.IDMAP_OPTION));
        assertThrows(InvalidArgumentException.class, () -> build(spec(true), extra));
        RootfsMount bind = new RootfsMount("bind", "/somewhere", List.of("rbind", PlanBuilder.IDMAP_OPTION));
        assertThrows(InvalidArgumentException.class, () -> build(spec(true), bind));
        RootfsMount noWorkdir = new RootfsMount("overlay", "overlay", List.of("lowerdir=/l", "upperdir=/u", PlanBuilder.IDMAP_OPTION));
        assertThrows(InvalidArgumentException.class, () -> build(spec(true), noWorkdir));
    }

    @Test
    void withoutAUserNamespaceNothingChanges() {
        Plan plan = build(spec(false), new RootfsMount("overlay", "overlay", List.of("lowerdir=/l", "upperdir=/u", "workdir=/w")));
        assertTrue(plan.records("idmapped_overlay").isEmpty());
        assertTrue(plan.records("stdio_owner").isEmpty());
        assertEquals("overlay", plan.records("mount").getFirst().args().get(3));
    }
}
