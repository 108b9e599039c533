package io.berth.runtime.cgroup;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.LinuxResources.DeviceRule;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The device rules of a container (linux.resources.devices) as an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE,
 * which is how cgroup v2 controls devices (v1 has devices.allow/deny files instead). The kernel runs it on every
 * open and mknod of a device node with {@code struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor;}}
 * (access_type: device type in the low 16 bits, 1 block / 2 char; access in the high 16, 1 mknod / 2 read / 4 write)
 * and allows the access when it returns 1.
 * <p>
 * The policy is the one the v1 files give: rules apply in order and the last matching one decides; a rule for all
 * devices ("a *:* rwm") sets the default and voids the rules before it; with none, the default is to allow, as in the
 * root cgroup. An access matches a rule only if the rule covers all of the access asked for.
 */
public record DeviceProgram(List<Long> instructions) {
    private static final int BLOCK = 1, CHAR = 2;
    private static final int MKNOD = 1, READ = 2, WRITE = 4;

    // eBPF opcodes (linux/bpf.h, linux/bpf_common.h)
    private static final int LDX_MEM_W = 0x61, ALU64_AND_K = 0x57, ALU64_RSH_K = 0x77, ALU64_MOV_K = 0xb7, ALU64_MOV_X = 0xbf,
            JNE_K = 0x55, JNE_X = 0x5d, EXIT = 0x95;
    // registers: r0 result, r1 context (then scratch), r2 type, r3 access, r4 major, r5 minor
    private static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    public DeviceProgram {
        instructions = List.copyOf(instructions);
    }

    /** Compiles {@code rules} (in spec order) into a program. */
    public static DeviceProgram compile(List<DeviceRule> rules) {
        int reset = -1;
        for (int i = 0; i < rules.size(); i++) if (coversEverything(rules.get(i))) reset = i;
        boolean defaultAllow = reset < 0 || rules.get(reset).allow();
        List<Long> program = new ArrayList<>(List.of(
                insn(LDX_MEM_W, R2, R1, 0, 0), // access_type
                insn(ALU64_MOV_X, R3, R2, 0, 0),
                insn(ALU64_AND_K, R2, 0, 0, 0xffff), // device type
                insn(ALU64_RSH_K, R3, 0, 0, 16), // access
                insn(LDX_MEM_W, R4, R1, 4, 0), // major
                insn(LDX_MEM_W, R5, R1, 8, 0))); // minor
        // the last matching rule decides: test them from the last one back, the first match returns
        for (int i = rules.size() - 1; i > reset; i--) program.addAll(ruleBlock(rules.get(i)));
        program.add(insn(ALU64_MOV_K, R0, 0, 0, defaultAllow ? 1 : 0));
        program.add(insn(EXIT, 0, 0, 0, 0));
        return new DeviceProgram(program);
    }

    /** "a *:* rwm": a rule about every access to every device. */
    private static boolean coversEverything(DeviceRule rule) {
        return (rule.type() == null || rule.type().equals("a")) && wildcard(rule.major()) && wildcard(rule.minor())
                && access(rule.access()) == (MKNOD | READ | WRITE);
    }

    /** One instruction of a rule's block; {@code skips} marks a conditional jump past the block's end. */
    private record Step(int opcode, int dst, int src, long imm, boolean skips) {}

    /** Tests that jump past the block when the rule does not match, then the rule's decision. */
    private static List<Long> ruleBlock(DeviceRule rule) {
        List<Step> steps = new ArrayList<>();
        String type = rule.type() == null ? "a" : rule.type();
        switch (type) {
            case "a" -> { }
            case "c" -> steps.add(new Step(JNE_K, R2, 0, CHAR, true));
            case "b" -> steps.add(new Step(JNE_K, R2, 0, BLOCK, true));
            default -> throw new InvalidArgumentException("invalid device rule type " + type + ": a, b or c");
        }
        int access = access(rule.access());
        if (access != (MKNOD | READ | WRITE)) {
            // (access & the rule's) != access: something was asked for that the rule does not cover
            steps.add(new Step(ALU64_MOV_X, R1, R3, 0, false));
            steps.add(new Step(ALU64_AND_K, R1, 0, access, false));
            steps.add(new Step(JNE_X, R1, R3, 0, true));
        }
        if (!wildcard(rule.major())) steps.add(new Step(JNE_K, R4, 0, rule.major(), true));
        if (!wildcard(rule.minor())) steps.add(new Step(JNE_K, R5, 0, rule.minor(), true));
        steps.add(new Step(ALU64_MOV_K, R0, 0, rule.allow() ? 1 : 0, false));
        steps.add(new Step(EXIT, 0, 0, 0, false));
        List<Long> block = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            // a jump's offset counts the instructions after it: to the end of the block
            block.add(insn(step.opcode(), step.dst(), step.src(), step.skips() ? steps.size() - i - 1 : 0, step.imm()));
        }
        return block;
    }

    private static boolean wildcard(Long number) {
        return number == null || number < 0;
    }

    private static int access(String access) {
        if (access == null || access.isEmpty()) return MKNOD | READ | WRITE;
        int bits = 0;
        for (char c : access.toCharArray()) {
            bits |= switch (c) {
                case 'r' -> READ;
                case 'w' -> WRITE;
                case 'm' -> MKNOD;
                default -> throw new InvalidArgumentException("invalid device access " + access + ": letters of rwm");
            };
        }
        return bits;
    }

    private static long insn(int opcode, int dst, int src, int offset, long imm) {
        if (imm != (int) imm) throw new InvalidArgumentException("device number " + imm + " is out of range");
        return (opcode & 0xffL) | ((long) (dst | src << 4) << 8) | ((offset & 0xffffL) << 16) | ((imm & 0xffffffffL) << 32);
    }

    /** struct bpf_insn[] as the kernel reads it (little-endian x86_64). */
    public byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate(instructions.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        instructions.forEach(out::putLong);
        return out.array();
    }
}
