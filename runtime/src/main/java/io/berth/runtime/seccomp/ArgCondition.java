package io.berth.runtime.seccomp;

import io.berth.errdefs.InvalidArgumentException;

/**
 * A test on one 64-bit system call argument. For MASKED_EQ, {@code value} is the mask and
 * {@code valueTwo} the value the masked argument must equal (the OCI and libseccomp convention).
 */
public record ArgCondition(int index, long value, long valueTwo, Op op) {
    public enum Op { NE, LT, LE, EQ, GE, GT, MASKED_EQ }

    public ArgCondition {
        if (index < 0 || index > 5) throw new InvalidArgumentException("seccomp: argument index " + index + " is not 0-5");
    }

    public static Op parseOp(String name) {
        return switch (name) {
            case "SCMP_CMP_NE" -> Op.NE;
            case "SCMP_CMP_LT" -> Op.LT;
            case "SCMP_CMP_LE" -> Op.LE;
            case "SCMP_CMP_EQ" -> Op.EQ;
            case "SCMP_CMP_GE" -> Op.GE;
            case "SCMP_CMP_GT" -> Op.GT;
            case "SCMP_CMP_MASKED_EQ" -> Op.MASKED_EQ;
            default -> throw new InvalidArgumentException("seccomp: unknown argument operator " + name);
        };
    }
}
