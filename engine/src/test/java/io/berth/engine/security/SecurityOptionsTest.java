package io.berth.engine.security;

import io.berth.errdefs.InvalidArgumentException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SecurityOptionsTest {
    @Test
    void readsDockersForms() {
        SecurityOptions none = SecurityOptions.parse(List.of());
        assertFalse(none.noNewPrivileges());
        assertFalse(none.seccompUnconfined());
        assertNull(none.seccompProfile());
        assertTrue(SecurityOptions.parse(List.of("no-new-privileges")).noNewPrivileges());
        assertTrue(SecurityOptions.parse(List.of("no-new-privileges:true")).noNewPrivileges());
        assertFalse(SecurityOptions.parse(List.of("no-new-privileges=false")).noNewPrivileges());
        assertTrue(SecurityOptions.parse(List.of("seccomp=unconfined")).seccompUnconfined());
        assertTrue(SecurityOptions.parse(List.of("seccomp:unconfined")).seccompUnconfined());
        String profile = "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}";
        assertEquals(profile, SecurityOptions.parse(List.of("seccomp=" + profile)).seccompProfile());
        assertTrue(SecurityOptions.parse(List.of("systempaths=unconfined")).systemPathsUnconfined());
        assertFalse(SecurityOptions.parse(List.of("label=disable", "apparmor=unconfined")).noNewPrivileges());
    }

    @Test
    void refusesUnknownOptions() {
        assertEquals("invalid --security-opt 2: \"fly=high\"",
                assertThrows(InvalidArgumentException.class, () -> SecurityOptions.parse(List.of("fly=high"))).getMessage());
        assertEquals("invalid --security-opt 1: \"nonsense\"",
                assertThrows(InvalidArgumentException.class, () -> SecurityOptions.parse(List.of("nonsense"))).getMessage());
        assertThrows(InvalidArgumentException.class, () -> SecurityOptions.parse(List.of("no-new-privileges=maybe")));
    }
}
