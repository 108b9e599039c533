package io.berth.linux;

import java.io.IOException;

/** A system call failed; carries the call's name, its subject and errno so callers can react to ENOENT, EBUSY, ... */
public final class LinuxException extends IOException {
    private final String call;
    private final int errno;

    public LinuxException(String call, String subject, int errno) {
        super(call + " " + subject + ": " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() { return call; }

    public int errno() { return errno; }
}
