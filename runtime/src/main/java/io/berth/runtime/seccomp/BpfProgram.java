package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** A classic BPF program: what prctl/seccomp(SECCOMP_SET_MODE_FILTER) takes as struct sock_filter[]. */
public record BpfProgram(List<Instruction> instructions) {
    /** The kernel refuses longer programs (BPF_MAXINSNS). */
    public static final int MAX_INSTRUCTIONS = 4096;

    public static final int LD_W_ABS = 0x20, ALU_AND_K = 0x54, JMP_JA = 0x05, JMP_JEQ_K = 0x15, JMP_JGT_K = 0x25,
            JMP_JGE_K = 0x35, JMP_JSET_K = 0x45, RET_K = 0x06;

    /** struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } */
    public record Instruction(int code, int jt, int jf, int k) {}

    public BpfProgram {
        instructions = List.copyOf(instructions);
    }

    public int size() { return instructions.size(); }

    /** The program as the kernel reads it (little-endian on every architecture Berth runs on). */
    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(instructions.size() * 8).order(ByteOrder.nativeOrder());
        for (Instruction insn : instructions) {
            buffer.putShort((short) insn.code()).put((byte) insn.jt()).put((byte) insn.jf()).putInt(insn.k());
        }
        return buffer.array();
    }
}
