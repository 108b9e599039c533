package io.berth.runtime.seccomp;

import io.berth.errdefs.InvalidArgumentException;

/**
 * The system call ABIs a filter can name. x32 shares x86-64's audit architecture and is told apart
 * by bit 30 of the call number, so a filter for x86-64 must route those numbers separately.
 */
public enum Architecture {
    X86_64("SCMP_ARCH_X86_64", 0xC000003E, "x86_64"),
    X86("SCMP_ARCH_X86", 0x40000003, "x86"),
    X32("SCMP_ARCH_X32", 0xC000003E, "x32");

    static final int X32_SYSCALL_BIT = 0x40000000;

    private final String scmpName;
    private final int auditArch;
    private final String tableName;
    private volatile SyscallTable table;

    Architecture(String scmpName, int auditArch, String tableName) {
        this.scmpName = scmpName;
        this.auditArch = auditArch;
        this.tableName = tableName;
    }

    /** The value the kernel puts in seccomp_data.arch for this ABI. */
    public int auditArch() { return auditArch; }

    public String scmpName() { return scmpName; }

    public SyscallTable syscalls() {
        SyscallTable loaded = table;
        if (loaded == null) {
            loaded = SyscallTable.load(tableName);
            table = loaded;
        }
        return loaded;
    }

    /** Maps an OCI / libseccomp name ("SCMP_ARCH_X86_64"); architectures Berth cannot run on are refused. */
    public static Architecture fromScmpName(String name) {
        for (Architecture arch : values()) {
            if (arch.scmpName.equals(name)) return arch;
        }
        throw new InvalidArgumentException("seccomp: unsupported architecture " + name);
    }

    /** Whether {@code name} is one this build knows of but cannot filter (another CPU family). */
    public static boolean isForeign(String name) {
        return name.startsWith("SCMP_ARCH_") && !name.equals(X86_64.scmpName) && !name.equals(X86.scmpName)
                && !name.equals(X32.scmpName);
    }
}
