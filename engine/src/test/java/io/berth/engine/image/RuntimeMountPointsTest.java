package io.berth.engine.image;

import io.berth.image.layer.UpperDir.Change;
import io.berth.image.layer.UpperDir.Change.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RuntimeMountPointsTest {
    @Test
    void dropsMountPointsAndDirectoriesThatOnlyHoldThem() {
        List<Change> changes = List.of(new Change(Kind.A, "/dev"), new Change(Kind.A, "/dev/null"), new Change(Kind.A, "/etc"),
                new Change(Kind.A, "/etc/hostname"), new Change(Kind.A, "/etc/hosts"), new Change(Kind.A, "/proc"),
                new Change(Kind.A, "/y"), new Change(Kind.D, "/bin/true"), new Change(Kind.C, "/bin"));
        assertEquals(List.of(new Change(Kind.A, "/y"), new Change(Kind.D, "/bin/true"), new Change(Kind.C, "/bin")),
                RuntimeMountPoints.withoutMountPoints(changes));
    }

    @Test
    void keepsADirectoryWithRealChangesBesideMountPoints() {
        List<Change> changes = List.of(new Change(Kind.C, "/etc"), new Change(Kind.A, "/etc/hosts"), new Change(Kind.A, "/etc/motd"));
        assertEquals(List.of(new Change(Kind.C, "/etc"), new Change(Kind.A, "/etc/motd")), RuntimeMountPoints.withoutMountPoints(changes));
    }
}
