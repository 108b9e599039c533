package io.berth.runtime.seccomp;

import io.berth.errdefs.InvalidArgumentException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Compiles a {@link SeccompFilter} to classic BPF, the job libseccomp does for runc and crun.
 *
 * <p>Shape of the program: check the architecture; per ABI, a binary search over ranges of call
 * numbers that share an outcome (most of a default profile's allowed calls are contiguous, so this
 * stays short, and a lookup costs about log2(ranges) comparisons rather than one per call); calls
 * with argument conditions jump to a block that tests their rules in order. Arguments are 64 bits
 * and BPF loads 32, so each test compares the high and the low word.
 */
public final class SeccompCompiler {
    // struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    private static final int OFFSET_NR = 0, OFFSET_ARCH = 4, OFFSET_ARGS = 16;
    private static final long X32_BIT = Architecture.X32_SYSCALL_BIT;
    private static final long NR_LIMIT = 1L << 32;
    /** What a call from an ABI the filter does not admit gets (libseccomp's default "bad arch" action). */
    private static final SeccompAction BAD_ARCH = new SeccompAction(SeccompAction.Kind.KILL_PROCESS, 0);

    private SeccompCompiler() {}

    public static BpfProgram compile(SeccompFilter filter) {
        if (filter.architectures().isEmpty()) {
            throw new InvalidArgumentException("seccomp: the filter names no architecture");
        }
        return new Emitter(filter).emit();
    }

    /** An outcome for a range of call numbers: a plain action or the rule block of one call. */
    private record Outcome(SeccompAction action, List<SeccompRule> conditional, SeccompAction fallback) {
        boolean plain() { return conditional.isEmpty(); }
    }

    private record Range(long first, long last, Outcome outcome) {}

    private static final class Emitter {
        private final SeccompFilter filter;
        private final BpfAssembler asm = new BpfAssembler();
        private final Map<BpfAssembler.Label, Outcome> blocks = new LinkedHashMap<>();

        Emitter(SeccompFilter filter) { this.filter = filter; }

        BpfProgram emit() {
            List<Architecture> archs = filter.architectures();
            boolean x8664 = archs.contains(Architecture.X86_64), x32 = archs.contains(Architecture.X32);
            asm.load(OFFSET_ARCH);
            Map<Integer, BpfAssembler.Label> entries = new LinkedHashMap<>();
            for (Architecture arch : archs) {
                entries.computeIfAbsent(arch.auditArch(), audit -> asm.newLabel("arch-" + arch.scmpName()));
            }
            for (Map.Entry<Integer, BpfAssembler.Label> entry : entries.entrySet()) {
                asm.branch(BpfProgram.JMP_JEQ_K, entry.getKey(), entry.getValue(), null);
            }
            asm.ret(BAD_ARCH.encode());

            for (Map.Entry<Integer, BpfAssembler.Label> entry : entries.entrySet()) {
                asm.mark(entry.getValue());
                asm.load(OFFSET_NR);
                if (entry.getKey() == Architecture.X86_64.auditArch()) {
                    // x86-64 and x32 share the audit value; bit 30 of the number tells them apart.
                    List<Range> ranges = new ArrayList<>();
                    ranges.addAll(x8664 ? ranges(Architecture.X86_64, 0, X32_BIT - 1) : badArch(0, X32_BIT - 1));
                    ranges.addAll(x32 ? ranges(Architecture.X32, X32_BIT, NR_LIMIT - 1) : badArch(X32_BIT, NR_LIMIT - 1));
                    List<Range> merged = merge(ranges);
                    searchTree(merged, 0, merged.size() - 1);
                } else {
                    Architecture arch = archs.stream().filter(a -> a.auditArch() == entry.getKey()).findFirst().orElseThrow();
                    List<Range> ranges = merge(ranges(arch, 0, NR_LIMIT - 1));
                    searchTree(ranges, 0, ranges.size() - 1);
                }
            }
            for (Map.Entry<BpfAssembler.Label, Outcome> block : blocks.entrySet()) {
                ruleBlock(block.getKey(), block.getValue());
            }
            BpfProgram program = asm.assemble();
            if (program.size() > BpfProgram.MAX_INSTRUCTIONS) {
                throw new InvalidArgumentException("seccomp: the profile compiles to " + program.size()
                        + " BPF instructions, more than the kernel's limit of " + BpfProgram.MAX_INSTRUCTIONS);
            }
            return program;
        }

        private static List<Range> badArch(long first, long last) {
            return List.of(new Range(first, last, new Outcome(BAD_ARCH, List.of(), null)));
        }

        /** Every number in [first, last] with its outcome, gaps filled with the default action. */
        private List<Range> ranges(Architecture arch, long first, long last) {
            TreeMap<Long, List<SeccompRule>> byNumber = new TreeMap<>();
            for (SeccompRule rule : filter.rules()) {
                for (String name : rule.names()) {
                    OptionalInt number = arch.syscalls().number(name);
                    // A call this ABI lacks cannot be made on it, so there is nothing to filter.
                    if (number.isEmpty()) continue;
                    byNumber.computeIfAbsent(Integer.toUnsignedLong(number.getAsInt()), n -> new ArrayList<>()).add(rule);
                }
            }
            List<Range> ranges = new ArrayList<>();
            Outcome byDefault = new Outcome(filter.defaultAction(), List.of(), null);
            long next = first;
            for (Map.Entry<Long, List<SeccompRule>> entry : byNumber.subMap(first, true, last, true).entrySet()) {
                long number = entry.getKey();
                if (number > next) ranges.add(new Range(next, number - 1, byDefault));
                ranges.add(new Range(number, number, outcomeOf(entry.getValue())));
                next = number + 1;
            }
            if (next <= last) ranges.add(new Range(next, last, byDefault));
            return ranges;
        }

        /** Conditional rules are tried in order; then the last unconditional rule, else the default. */
        private Outcome outcomeOf(List<SeccompRule> rules) {
            List<SeccompRule> conditional = new ArrayList<>();
            SeccompAction unconditional = null;
            for (SeccompRule rule : rules) {
                if (rule.conditions().isEmpty()) unconditional = rule.action();
                else conditional.add(rule);
            }
            SeccompAction fallback = unconditional != null ? unconditional : filter.defaultAction();
            return conditional.isEmpty() ? new Outcome(fallback, List.of(), null) : new Outcome(null, conditional, fallback);
        }

        private static List<Range> merge(List<Range> ranges) {
            List<Range> merged = new ArrayList<>();
            for (Range range : ranges) {
                Range last = merged.isEmpty() ? null : merged.getLast();
                if (last != null && last.outcome().plain() && range.outcome().plain()
                        && Objects.equals(last.outcome().action(), range.outcome().action())) {
                    merged.set(merged.size() - 1, new Range(last.first(), range.last(), last.outcome()));
                } else {
                    merged.add(range);
                }
            }
            return merged;
        }

        /** Binary search over sorted, contiguous ranges; the call number is in the accumulator. */
        private void searchTree(List<Range> ranges, int low, int high) {
            if (low == high) {
                Outcome outcome = ranges.get(low).outcome();
                if (outcome.plain()) {
                    asm.ret(outcome.action().encode());
                } else {
                    BpfAssembler.Label block = asm.newLabel("rules");
                    blocks.put(block, outcome);
                    asm.jump(block);
                }
                return;
            }
            int middle = (low + high + 1) / 2;
            BpfAssembler.Label upper = asm.newLabel("ge-" + ranges.get(middle).first());
            asm.branch(BpfProgram.JMP_JGE_K, (int) ranges.get(middle).first(), upper, null);
            searchTree(ranges, low, middle - 1);
            asm.mark(upper);
            searchTree(ranges, middle, high);
        }

        private void ruleBlock(BpfAssembler.Label label, Outcome outcome) {
            asm.mark(label);
            for (SeccompRule rule : outcome.conditional()) {
                BpfAssembler.Label nextRule = asm.newLabel("next-rule");
                for (ArgCondition condition : rule.conditions()) {
                    condition(condition, nextRule);
                }
                asm.ret(rule.action().encode());
                asm.mark(nextRule);
            }
            asm.ret(outcome.fallback().encode());
        }

        /** Falls through when the condition holds, jumps to {@code fail} when it does not. */
        private void condition(ArgCondition c, BpfAssembler.Label fail) {
            int low = OFFSET_ARGS + 8 * c.index(), high = low + 4;
            int vHigh = (int) (c.value() >>> 32), vLow = (int) c.value();
            BpfAssembler.Label holds = asm.newLabel("holds");
            switch (c.op()) {
                case EQ -> {
                    asm.load(high);
                    asm.branch(BpfProgram.JMP_JEQ_K, vHigh, null, fail);
                    asm.load(low);
                    asm.branch(BpfProgram.JMP_JEQ_K, vLow, null, fail);
                }
                case NE -> {
                    asm.load(high);
                    asm.branch(BpfProgram.JMP_JEQ_K, vHigh, null, holds);
                    asm.load(low);
                    asm.branch(BpfProgram.JMP_JEQ_K, vLow, fail, null);
                }
                case MASKED_EQ -> {
                    int wHigh = (int) (c.valueTwo() >>> 32), wLow = (int) c.valueTwo();
                    asm.load(high);
                    asm.and(vHigh);
                    asm.branch(BpfProgram.JMP_JEQ_K, wHigh, null, fail);
                    asm.load(low);
                    asm.and(vLow);
                    asm.branch(BpfProgram.JMP_JEQ_K, wLow, null, fail);
                }
                case GT, GE -> {
                    asm.load(high);
                    asm.branch(BpfProgram.JMP_JGT_K, vHigh, holds, null);
                    asm.branch(BpfProgram.JMP_JEQ_K, vHigh, null, fail);
                    asm.load(low);
                    asm.branch(c.op() == ArgCondition.Op.GT ? BpfProgram.JMP_JGT_K : BpfProgram.JMP_JGE_K, vLow, null, fail);
                }
                case LT, LE -> {
                    asm.load(high);
                    asm.branch(BpfProgram.JMP_JGT_K, vHigh, fail, null);
                    asm.branch(BpfProgram.JMP_JEQ_K, vHigh, null, holds);
                    asm.load(low);
                    asm.branch(c.op() == ArgCondition.Op.LT ? BpfProgram.JMP_JGE_K : BpfProgram.JMP_JGT_K, vLow, fail, null);
                }
            }
            asm.mark(holds);
        }
    }
}
