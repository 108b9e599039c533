package io.berth.runtime.seccomp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a BPF program from symbolic jumps. Conditional jumps in classic BPF reach at most 255
 * instructions ahead, so every conditional branch to a label is lowered to a short hop onto an
 * unconditional JA, whose 32-bit offset reaches anywhere: programs stay correct whatever their size.
 */
final class BpfAssembler {
    /** A position in the program that jumps can name. */
    static final class Label {
        private final String name;

        Label(String name) { this.name = name; }

        @Override
        public String toString() { return name; }
    }

    private sealed interface Item permits Load, And, Branch, Goto, Return, Mark {}

    private record Load(int offset) implements Item {}

    private record And(int mask) implements Item {}

    /** {@code ifTrue}/{@code ifFalse} null means: fall through to what follows. */
    private record Branch(int code, int k, Label ifTrue, Label ifFalse) implements Item {}

    private record Goto(Label target) implements Item {}

    private record Return(int value) implements Item {}

    private record Mark(Label label) implements Item {}

    private final List<Item> items = new ArrayList<>();
    private int labels;

    Label newLabel(String hint) { return new Label(hint + "#" + labels++); }

    void load(int offset) { items.add(new Load(offset)); }

    void and(int mask) { items.add(new And(mask)); }

    void branch(int code, int k, Label ifTrue, Label ifFalse) {
        if (ifTrue == null && ifFalse == null) throw new IllegalArgumentException("a branch needs a target");
        items.add(new Branch(code, k, ifTrue, ifFalse));
    }

    void jump(Label target) { items.add(new Goto(target)); }

    void ret(int value) { items.add(new Return(value)); }

    void mark(Label label) { items.add(new Mark(label)); }

    BpfProgram assemble() {
        // Pass 1: the address of every label once branches are lowered.
        Map<Label, Integer> addresses = new HashMap<>();
        int pc = 0;
        for (Item item : items) {
            switch (item) {
                case Mark mark -> addresses.put(mark.label(), pc);
                case Branch branch -> pc += 1 + (branch.ifTrue() != null ? 1 : 0) + (branch.ifFalse() != null ? 1 : 0);
                default -> pc++;
            }
        }
        // Pass 2: emit.
        List<BpfProgram.Instruction> out = new ArrayList<>(pc);
        for (Item item : items) {
            switch (item) {
                case Mark ignored -> { }
                case Load load -> out.add(new BpfProgram.Instruction(BpfProgram.LD_W_ABS, 0, 0, load.offset()));
                case And and -> out.add(new BpfProgram.Instruction(BpfProgram.ALU_AND_K, 0, 0, and.mask()));
                case Return ret -> out.add(new BpfProgram.Instruction(BpfProgram.RET_K, 0, 0, ret.value()));
                case Goto go -> out.add(ja(out.size(), address(addresses, go.target())));
                case Branch b -> {
                    if (b.ifTrue() != null && b.ifFalse() != null) {
                        out.add(new BpfProgram.Instruction(b.code(), 0, 1, b.k()));
                        out.add(ja(out.size(), address(addresses, b.ifTrue())));
                        out.add(ja(out.size(), address(addresses, b.ifFalse())));
                    } else if (b.ifTrue() != null) {
                        out.add(new BpfProgram.Instruction(b.code(), 0, 1, b.k()));
                        out.add(ja(out.size(), address(addresses, b.ifTrue())));
                    } else {
                        out.add(new BpfProgram.Instruction(b.code(), 1, 0, b.k()));
                        out.add(ja(out.size(), address(addresses, b.ifFalse())));
                    }
                }
            }
        }
        return new BpfProgram(out);
    }

    private static int address(Map<Label, Integer> addresses, Label label) {
        Integer address = addresses.get(label);
        if (address == null) throw new IllegalStateException("label " + label + " is never placed");
        return address;
    }

    private static BpfProgram.Instruction ja(int pc, int target) {
        int offset = target - (pc + 1);
        if (offset < 0) throw new IllegalStateException("BPF cannot jump backwards");
        return new BpfProgram.Instruction(BpfProgram.JMP_JA, 0, 0, offset);
    }
}
