package io.berth.engine.userns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A system account made for one test class with useradd (and, when asked, a subordinate uid and gid range with
 * usermod), removed with userdel, which also drops its group and its /etc/subuid and /etc/subgid lines.
 */
public record TestAccount(String name, IdRange range) implements AutoCloseable {
    public static TestAccount create(String name, boolean withRange) throws IOException, InterruptedException {
        run("useradd", "--system", "--no-create-home", "--shell", "/bin/false", "--user-group", name);
        if (!withRange) return new TestAccount(name, null);
        IdRange free = SubordinateIds.read(Path.of("/etc/subuid")).firstFree(RemapAccounts.FIRST_SUBORDINATE_ID, RemapAccounts.RANGE_SIZE);
        IdRange freeGids = SubordinateIds.read(Path.of("/etc/subgid")).firstFree(free.start(), RemapAccounts.RANGE_SIZE);
        if (!free.equals(freeGids)) throw new IllegalStateException("the tests want the same free uid and gid range");
        String inclusive = free.start() + "-" + (free.end() - 1);
        run("usermod", "--add-subuids", inclusive, "--add-subgids", inclusive, name);
        return new TestAccount(name, free);
    }

    /** Removes an account of this name left over by an earlier run, if any. */
    public static void removeIfPresent(String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("userdel", name).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("userdel", name);
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + output);
    }
}
