package io.berth.runtime.seccomp;

import io.berth.errdefs.InvalidArgumentException;

/** What the kernel does with a matched call: the SECCOMP_RET_* value a BPF return carries. */
public record SeccompAction(Kind kind, int data) {
    public enum Kind { KILL_THREAD, KILL_PROCESS, TRAP, ERRNO, TRACE, LOG, ALLOW }

    private static final int EPERM = 1;

    public static final SeccompAction ALLOW = new SeccompAction(Kind.ALLOW, 0);

    public static SeccompAction errno(int errno) {
        return new SeccompAction(Kind.ERRNO, errno);
    }

    /**
     * Parses an OCI action name. {@code errnoRet} applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE; absent, it is
     * EPERM, as runc and crun do.
     */
    public static SeccompAction parse(String name, Integer errnoRet) {
        int ret = errnoRet == null ? EPERM : errnoRet;
        if (ret < 0 || ret > 0xffff) throw new InvalidArgumentException("seccomp: errnoRet " + ret + " is out of range");
        return switch (name) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> new SeccompAction(Kind.KILL_THREAD, 0);
            case "SCMP_ACT_KILL_PROCESS" -> new SeccompAction(Kind.KILL_PROCESS, 0);
            case "SCMP_ACT_TRAP" -> new SeccompAction(Kind.TRAP, 0);
            case "SCMP_ACT_ERRNO" -> new SeccompAction(Kind.ERRNO, ret);
            case "SCMP_ACT_TRACE" -> new SeccompAction(Kind.TRACE, ret);
            case "SCMP_ACT_LOG" -> new SeccompAction(Kind.LOG, 0);
            case "SCMP_ACT_ALLOW" -> ALLOW;
            case "SCMP_ACT_NOTIFY" -> throw new InvalidArgumentException(
                    "seccomp: SCMP_ACT_NOTIFY needs a listener socket, which Berth does not offer yet");
            default -> throw new InvalidArgumentException("seccomp: unknown action " + name);
        };
    }

    /** The 32-bit value a BPF RET instruction returns for this action. */
    public int encode() {
        return switch (kind) {
            case KILL_THREAD -> 0x00000000;
            case KILL_PROCESS -> 0x80000000;
            case TRAP -> 0x00030000;
            case ERRNO -> 0x00050000 | (data & 0xffff);
            case TRACE -> 0x7ff00000 | (data & 0xffff);
            case LOG -> 0x7ffc0000;
            case ALLOW -> 0x7fff0000;
        };
    }
}
