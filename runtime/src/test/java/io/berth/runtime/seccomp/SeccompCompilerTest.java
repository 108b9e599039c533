package io.berth.runtime.seccomp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SeccompCompilerTest {
    private static final int X86_64 = Architecture.X86_64.auditArch(), X86 = Architecture.X86.auditArch();
    private static final int ALLOW = SeccompAction.ALLOW.encode();
    private static final int EPERM = SeccompAction.errno(1).encode();
    private static final int KILL_PROCESS = 0x80000000;

    private static int nr(Architecture arch, String name) {
        return arch.syscalls().number(name).orElseThrow();
    }

    private static SeccompFilter allowList(List<Architecture> archs, SeccompRule... rules) {
        return new SeccompFilter(SeccompAction.errno(1), archs, List.of(rules));
    }

    private static SeccompRule allow(String... names) {
        return new SeccompRule(List.of(names), SeccompAction.ALLOW, List.of());
    }

    @Test
    void allowsListedCallsAndAppliesTheDefaultToOthers() {
        BpfProgram program = SeccompCompiler.compile(allowList(List.of(Architecture.X86_64), allow("read", "write", "exit_group")));
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr(Architecture.X86_64, "read")));
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, nr(Architecture.X86_64, "exit_group")));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, nr(Architecture.X86_64, "mount")));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, 9999));
    }

    @Test
    void otherArchitecturesAndX32AreKilledUnlessAdmitted() {
        BpfProgram program = SeccompCompiler.compile(allowList(List.of(Architecture.X86_64), allow("read")));
        assertEquals(KILL_PROCESS, BpfInterpreter.run(program, X86, nr(Architecture.X86, "read")));
        assertEquals(KILL_PROCESS, BpfInterpreter.run(program, X86_64, nr(Architecture.X32, "read")));

        BpfProgram all = SeccompCompiler.compile(allowList(
                List.of(Architecture.X86_64, Architecture.X86, Architecture.X32), allow("read", "socketcall")));
        assertEquals(ALLOW, BpfInterpreter.run(all, X86, nr(Architecture.X86, "read")));
        assertEquals(ALLOW, BpfInterpreter.run(all, X86, nr(Architecture.X86, "socketcall")));
        assertEquals(ALLOW, BpfInterpreter.run(all, X86_64, nr(Architecture.X32, "read")));
        assertEquals(EPERM, BpfInterpreter.run(all, X86_64, nr(Architecture.X32, "write")));
        // x86-64's number for read (0) is restart_syscall on i386: each ABI is looked up in its own table.
        assertEquals(EPERM, BpfInterpreter.run(all, X86, nr(Architecture.X86_64, "read")));
    }

    @Test
    void argumentConditionsCompareAll64Bits() {
        long big = 0x1_0000_0005L;
        List<SeccompRule> rules = new ArrayList<>();
        for (ArgCondition.Op op : ArgCondition.Op.values()) {
            if (op == ArgCondition.Op.MASKED_EQ) continue;
            rules.add(new SeccompRule(List.of(name(op)), SeccompAction.ALLOW, List.of(new ArgCondition(1, big, 0, op))));
        }
        BpfProgram program = SeccompCompiler.compile(new SeccompFilter(SeccompAction.errno(1), List.of(Architecture.X86_64), rules));
        long[] probes = {0, 5, big - 1, big, big + 1, 0x2_0000_0000L, 0xffff_ffff_ffff_ffffL, 0x0000_0000_ffff_ffffL};
        for (ArgCondition.Op op : ArgCondition.Op.values()) {
            if (op == ArgCondition.Op.MASKED_EQ) continue;
            for (long probe : probes) {
                int cmp = Long.compareUnsigned(probe, big);
                boolean expected = switch (op) {
                    case EQ -> cmp == 0; case NE -> cmp != 0; case LT -> cmp < 0; case LE -> cmp <= 0;
                    case GT -> cmp > 0; case GE -> cmp >= 0; case MASKED_EQ -> throw new AssertionError();
                };
                int result = BpfInterpreter.run(program, X86_64, nr(Architecture.X86_64, name(op)), 0, probe);
                assertEquals(expected ? ALLOW : EPERM, result, op + " with argument 0x" + Long.toHexString(probe));
            }
        }
    }

    private static String name(ArgCondition.Op op) {
        return switch (op) {
            case EQ -> "read"; case NE -> "write"; case LT -> "lseek"; case LE -> "pread64";
            case GT -> "pwrite64"; case GE -> "readv"; case MASKED_EQ -> "writev";
        };
    }

    @Test
    void maskedEqualityLikeDockersCloneRule() {
        long namespaceFlags = 0x7E020000L;
        SeccompRule clone = new SeccompRule(List.of("clone"), SeccompAction.ALLOW,
                List.of(new ArgCondition(0, namespaceFlags, 0, ArgCondition.Op.MASKED_EQ)));
        BpfProgram program = SeccompCompiler.compile(allowList(List.of(Architecture.X86_64), clone));
        int cloneNr = nr(Architecture.X86_64, "clone");
        long threadFlags = 0x3d0f00L; // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|...
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, cloneNr, threadFlags));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, cloneNr, threadFlags | 0x20000000L /* CLONE_NEWUSER */));
        assertEquals(EPERM, BpfInterpreter.run(program, X86_64, cloneNr, 0x00020000L /* CLONE_NEWNS */));
    }

    @Test
    void severalRulesForOneCallAreAlternatives() {
        SeccompRule zero = new SeccompRule(List.of("personality"), SeccompAction.ALLOW, List.of(new ArgCondition(0, 0, 0, ArgCondition.Op.EQ)));
        SeccompRule eight = new SeccompRule(List.of("personality"), SeccompAction.ALLOW, List.of(new ArgCondition(0, 8, 0, ArgCondition.Op.EQ)));
        SeccompRule deny = new SeccompRule(List.of("personality"), SeccompAction.errno(38), List.of());
        BpfProgram program = SeccompCompiler.compile(allowList(List.of(Architecture.X86_64), zero, eight, deny));
        int personality = nr(Architecture.X86_64, "personality");
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, personality, 0));
        assertEquals(ALLOW, BpfInterpreter.run(program, X86_64, personality, 8));
        assertEquals(SeccompAction.errno(38).encode(), BpfInterpreter.run(program, X86_64, personality, 4));
    }

    @Test
    void largeRandomProfilesMatchADirectEvaluation() {
        Random random = new Random(42);
        List<String> names = List.of("read", "write", "open", "close", "stat", "fstat", "mmap", "brk", "ioctl", "mount",
                "umount2", "unshare", "setns", "keyctl", "add_key", "ptrace", "reboot", "kexec_load", "bpf", "clone3");
        for (int round = 0; round < 50; round++) {
            List<SeccompRule> rules = new ArrayList<>();
            for (String name : names) {
                if (random.nextBoolean()) rules.add(allow(name));
            }
            SeccompFilter filter = allowList(List.of(Architecture.X86_64), rules.toArray(SeccompRule[]::new));
            BpfProgram program = SeccompCompiler.compile(filter);
            for (String name : names) {
                boolean allowed = rules.stream().anyMatch(r -> r.names().contains(name));
                assertEquals(allowed ? ALLOW : EPERM, BpfInterpreter.run(program, X86_64, nr(Architecture.X86_64, name)), name);
            }
        }
    }

    @Test
    void programBytesHaveTheKernelLayout() {
        BpfProgram program = SeccompCompiler.compile(allowList(List.of(Architecture.X86_64), allow("read")));
        byte[] bytes = program.toBytes();
        assertEquals(program.size() * 8, bytes.length);
        // First instruction: BPF_LD|BPF_W|BPF_ABS of seccomp_data.arch (offset 4).
        assertEquals(0x20, bytes[0]);
        assertEquals(4, bytes[4]);
    }
}
