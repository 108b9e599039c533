package io.berth.engine.security;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Seccomp;
import io.berth.runtime.seccomp.Architecture;
import io.berth.runtime.seccomp.BpfProgram;
import io.berth.runtime.seccomp.SeccompAction;
import io.berth.runtime.seccomp.SeccompCompiler;
import io.berth.runtime.seccomp.SeccompFilters;
import io.berth.runtime.seccomp.BpfInterpreter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DockerSeccompProfileTest {
    private static final KernelVersion KERNEL = new KernelVersion(6, 18);
    private static final int X86_64 = Architecture.X86_64.auditArch();
    private static final int ALLOW = SeccompAction.ALLOW.encode(), EPERM = SeccompAction.errno(1).encode();

    private static int nr(String name) {
        return Architecture.X86_64.syscalls().number(name).orElseThrow();
    }

    private static BpfProgram compileDefault(List<String> caps) {
        Seccomp seccomp = DockerSeccompProfile.defaultProfile().resolve(caps, KERNEL);
        return SeccompCompiler.compile(SeccompFilters.fromSpec(seccomp));
    }

    @Test
    void defaultProfileBlocksWhatDockerBlocks() {
        BpfProgram program = compileDefault(DockerCapabilities.DEFAULTS);
        assertTrue(program.size() < BpfProgram.MAX_INSTRUCTIONS, "program has " + program.size() + " instructions");
        for (String allowed : List.of("read", "write", "openat", "execve", "exit_group", "futex", "ptrace")) {
            assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr(allowed)), allowed);
        }
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr("clone"), 0x3d0f00L /* a thread */));
        for (String blocked : List.of("mount", "umount2", "unshare", "setns", "keyctl", "add_key", "reboot",
                "kexec_load", "init_module", "bpf", "swapon", "open_by_handle_at")) {
            assertEquals(EPERM, BpfInterpreter.run(program, X86_64, nr(blocked)), blocked);
        }
        // clone3 answers ENOSYS without CAP_SYS_ADMIN, so libc falls back to clone, whose flags are checked.
        assertEquals(SeccompAction.errno(38).encode(), BpfInterpreter.run(program, X86_64, nr("clone3")));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, nr("clone"), 0x3d0f00L | 0x10000000L /* CLONE_NEWUSER */));
        // personality: only the listed personas.
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr("personality"), 0));
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr("personality"), 0xffffffffL));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, nr("personality"), 0x0040000L /* ADDR_NO_RANDOMIZE */));
        // socket: everything but AF_VSOCK (40).
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr("socket"), 2));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, nr("socket"), 40));
    }

    @Test
    void capabilitiesUnlockTheirCalls() {
        BpfProgram admin = compileDefault(List.of("CAP_SYS_ADMIN", "CAP_CHOWN"));
        assertEquals(ALLOW, BpfInterpreter.run(admin, X86_64, nr("mount")));
        assertEquals(ALLOW, BpfInterpreter.run(admin, X86_64, nr("unshare")));
        assertEquals(ALLOW, BpfInterpreter.run(admin, X86_64, nr("clone3")));
        assertEquals(ALLOW, BpfInterpreter.run(admin, X86_64, nr("clone"), 0x10000000L));
        assertEquals(EPERM, BpfInterpreter.run(admin, X86_64, nr("reboot")));
    }

    @Test
    void thirtyTwoBitCallsAreFilteredByTheirOwnNumbers() {
        BpfProgram program = compileDefault(DockerCapabilities.DEFAULTS);
        int x86 = Architecture.X86.auditArch();
        assertEquals(ALLOW, BpfInterpreter.run(program, x86, Architecture.X86.syscalls().number("read").orElseThrow()));
        assertEquals(EPERM, BpfInterpreter.run(program, x86, Architecture.X86.syscalls().number("mount").orElseThrow()));
    }

    @Test
    void malformedProfilesNameTheProblem() {
        InvalidArgumentException bad = assertThrows(InvalidArgumentException.class,
                () -> DockerSeccompProfile.parse("{\"defaultAction\": ".getBytes(StandardCharsets.UTF_8), "p.json"));
        assertTrue(bad.getMessage().contains("p.json"), bad.getMessage());
        InvalidArgumentException noDefault = assertThrows(InvalidArgumentException.class,
                () -> DockerSeccompProfile.parse("{\"syscalls\": []}".getBytes(StandardCharsets.UTF_8), "q.json"));
        assertTrue(noDefault.getMessage().contains("defaultAction"), noDefault.getMessage());
        Seccomp unknownAction = DockerSeccompProfile.parse(
                "{\"defaultAction\":\"SCMP_ACT_NOPE\"}".getBytes(StandardCharsets.UTF_8), "r.json").resolve(List.of(), KERNEL);
        InvalidArgumentException action = assertThrows(InvalidArgumentException.class, () -> SeccompFilters.fromSpec(unknownAction));
        assertTrue(action.getMessage().contains("SCMP_ACT_NOPE"), action.getMessage());
    }

    @Test
    void capabilityPolicyFollowsDocker() {
        Set<String> available = Set.of("CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_MKNOD");
        assertEquals(DockerCapabilities.DEFAULTS.stream().sorted().toList(),
                DockerCapabilities.resolve(List.of(), List.of(), false, available));
        assertEquals(List.of("CAP_NET_ADMIN"), DockerCapabilities.resolve(List.of("net_admin"), List.of("ALL"), false, available));
        assertEquals(List.of("CAP_CHOWN", "CAP_KILL", "CAP_MKNOD", "CAP_SYS_ADMIN"),
                DockerCapabilities.resolve(List.of("ALL"), List.of("NET_ADMIN"), false, available));
        assertEquals(available.stream().sorted().toList(), DockerCapabilities.resolve(List.of(), List.of(), true, available));
        InvalidArgumentException unknown = assertThrows(InvalidArgumentException.class,
                () -> DockerCapabilities.resolve(List.of("CAP_FLY"), List.of(), false, available));
        assertTrue(unknown.getMessage().contains("--cap-add") && unknown.getMessage().contains("CAP_FLY"), unknown.getMessage());
        assertThrows(InvalidArgumentException.class,
                () -> DockerCapabilities.resolve(List.of("SYS_RESOURCE"), List.of(), false, available));
    }
}
