package io.berth.runtime.seccomp;

import java.util.List;

/** Runs a seccomp BPF program the way the kernel does, on one system call, for tests. */
public final class BpfInterpreter {
    private BpfInterpreter() {}

    public static int run(BpfProgram program, int arch, int nr, long... args) {
        byte[] data = new byte[64];
        putInt(data, 0, nr);
        putInt(data, 4, arch);
        for (int i = 0; i < args.length; i++) {
            putInt(data, 16 + 8 * i, (int) args[i]);
            putInt(data, 20 + 8 * i, (int) (args[i] >>> 32));
        }
        List<BpfProgram.Instruction> code = program.instructions();
        int accumulator = 0;
        int pc = 0;
        for (int steps = 0; steps < 100_000; steps++) {
            if (pc >= code.size()) throw new AssertionError("fell off the end of the program at " + pc);
            BpfProgram.Instruction insn = code.get(pc);
            switch (insn.code()) {
                case BpfProgram.LD_W_ABS -> {
                    if (insn.k() < 0 || insn.k() > 60 || insn.k() % 4 != 0) throw new AssertionError("bad load offset " + insn.k());
                    accumulator = getInt(data, insn.k());
                    pc++;
                }
                case BpfProgram.ALU_AND_K -> { accumulator &= insn.k(); pc++; }
                case BpfProgram.JMP_JA -> pc += 1 + insn.k();
                case BpfProgram.JMP_JEQ_K -> pc += 1 + (accumulator == insn.k() ? insn.jt() : insn.jf());
                case BpfProgram.JMP_JGT_K -> pc += 1 + (Integer.compareUnsigned(accumulator, insn.k()) > 0 ? insn.jt() : insn.jf());
                case BpfProgram.JMP_JGE_K -> pc += 1 + (Integer.compareUnsigned(accumulator, insn.k()) >= 0 ? insn.jt() : insn.jf());
                case BpfProgram.JMP_JSET_K -> pc += 1 + ((accumulator & insn.k()) != 0 ? insn.jt() : insn.jf());
                case BpfProgram.RET_K -> { return insn.k(); }
                default -> throw new AssertionError("unknown opcode 0x" + Integer.toHexString(insn.code()));
            }
        }
        throw new AssertionError("program did not return");
    }

    private static void putInt(byte[] data, int offset, int value) {
        for (int i = 0; i < 4; i++) data[offset + i] = (byte) (value >>> (8 * i));
    }

    private static int getInt(byte[] data, int offset) {
        int value = 0;
        for (int i = 0; i < 4; i++) value |= (data[offset + i] & 0xff) << (8 * i);
        return value;
    }
}
