package io.berth.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SyscallsTest {
    @Test
    void killOfMissingProcessNamesEsrch() {
        LinuxException e = assertThrows(LinuxException.class, () -> Syscalls.kill(Integer.MAX_VALUE - 1, 0));
        assertEquals(Errno.ESRCH, e.errno());
        assertTrue(e.getMessage().startsWith("kill "), e.getMessage());
    }

    @Test
    void processExistsForSelf() {
        assertTrue(Syscalls.processExists((int) ProcessHandle.current().pid()));
    }

    @Test
    void mknodFifoAndTimes(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Syscalls.mknod(fifo, Syscalls.S_IFIFO | 0640, 0, 0);
        assertTrue(Files.exists(fifo));
        Syscalls.lutimes(fifo, 1_000_000, 5);
        assertEquals(1_000_000L, Files.getLastModifiedTime(fifo).toInstant().getEpochSecond());
        LinuxException e = assertThrows(LinuxException.class, () -> Syscalls.mknod(fifo, Syscalls.S_IFIFO | 0640, 0, 0));
        assertEquals(Errno.EEXIST, e.errno());
    }

    @Test
    void makedevMatchesGlibc() {
        assertEquals(0x0103L, Syscalls.makedev(1, 3));
        assertEquals((136L << 8) | 5, Syscalls.makedev(136, 5));
    }
}
