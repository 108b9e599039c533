package io.berth.engine.userns;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.UnavailableException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves the value of {@code --userns-remap} against the host's accounts, as dockerd does: "default" is a
 * system account of Berth's own (created with useradd when missing, and given the first free 65536 subordinate
 * uids and gids from 100000 with usermod when it has none, as dockerd does for "dockremap"); "USER[:GROUP]" (names
 * or ids; the group defaults to the user's name) must exist and own ranges in /etc/subuid and /etc/subgid. Every
 * problem is refused naming the flag, before anything is created.
 */
public final class RemapAccounts {
    public static final String FLAG = "--userns-remap";
    public static final String DEFAULT_USER = "berthremap";
    /** Where dockerd starts looking for a free range, and how many ids it gives its account. */
    static final long FIRST_SUBORDINATE_ID = 100000, RANGE_SIZE = 65536;

    private final Path etc;
    private final String defaultUser;

    /** @param defaultUser the account "default" stands for (tests use one of their own) */
    public RemapAccounts(Path etc, String defaultUser) {
        this.etc = etc;
        this.defaultUser = defaultUser;
    }

    public static RemapAccounts system() {
        return new RemapAccounts(Path.of("/etc"), DEFAULT_USER);
    }

    private record Account(String name, long id) {}

    public UsernsRemap resolve(String value) {
        String[] parts = value == null ? new String[0] : value.split(":", -1);
        if (parts.length < 1 || parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
            throw new InvalidArgumentException(FLAG + ": invalid value \"" + value + "\": expected default, USER or USER:GROUP");
        }
        boolean useDefault = value.equals("default");
        if (useDefault) ensureDefaultAccount();
        Account user = account("passwd", useDefault ? defaultUser : parts[0], "user");
        Account group = account("group", parts.length == 2 ? parts[1] : user.name(), "group");
        List<IdRange> uids = subordinate("subuid").rangesOf(user.name(), user.id());
        if (uids.isEmpty()) {
            throw new InvalidArgumentException(FLAG + ": user \"" + user.name() + "\" has no subordinate uid range in " + etc.resolve("subuid"));
        }
        List<IdRange> gids = subordinate("subgid").rangesOf(group.name(), group.id());
        if (gids.isEmpty()) {
            throw new InvalidArgumentException(FLAG + ": group \"" + group.name() + "\" has no subordinate gid range in " + etc.resolve("subgid"));
        }
        return new UsernsRemap(user.name(), group.name(), UsernsRemap.mappings(uids), UsernsRemap.mappings(gids));
    }

    /** The default account and its ranges, each made only when missing. */
    private void ensureDefaultAccount() {
        if (find("passwd", defaultUser).isEmpty()) {
            run("useradd", "--system", "--no-create-home", "--shell", "/bin/false", "--user-group", defaultUser);
        }
        SubordinateIds subuid = subordinate("subuid"), subgid = subordinate("subgid");
        Account user = account("passwd", defaultUser, "user");
        boolean needsUids = subuid.rangesOf(user.name(), user.id()).isEmpty();
        boolean needsGids = subgid.rangesOf(user.name(), user.id()).isEmpty();
        if (!needsUids && !needsGids) return;
        List<String> command = new ArrayList<>(List.of("usermod"));
        if (needsUids) command.addAll(List.of("--add-subuids", inclusive(subuid.firstFree(FIRST_SUBORDINATE_ID, RANGE_SIZE))));
        if (needsGids) command.addAll(List.of("--add-subgids", inclusive(subgid.firstFree(FIRST_SUBORDINATE_ID, RANGE_SIZE))));
        command.add(defaultUser);
        run(command.toArray(String[]::new));
    }

    /** usermod's FIRST-LAST form. */
    private static String inclusive(IdRange range) {
        return range.start() + "-" + (range.end() - 1);
    }

    private Account account(String database, String nameOrId, String kind) {
        return find(database, nameOrId).orElseThrow(() -> new InvalidArgumentException(FLAG + ": no such " + kind + ": " + nameOrId));
    }

    /** The passwd or group entry whose name, or else whose id, is {@code nameOrId}. */
    private Optional<Account> find(String database, String nameOrId) {
        List<Account> accounts = lines(etc.resolve(database)).stream().map(line -> line.split(":"))
                .filter(f -> f.length >= 3 && f[2].matches("\\d+")).map(f -> new Account(f[0], Long.parseLong(f[2]))).toList();
        Optional<Account> byName = accounts.stream().filter(a -> a.name().equals(nameOrId)).findFirst();
        if (byName.isPresent() || !nameOrId.matches("\\d+")) return byName;
        return accounts.stream().filter(a -> a.id() == Long.parseLong(nameOrId)).findFirst();
    }

    private SubordinateIds subordinate(String file) {
        try {
            return SubordinateIds.read(etc.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(FLAG + ": cannot read " + etc.resolve(file) + ": " + e.getMessage(), e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(FLAG + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new UnavailableException(FLAG + ": " + String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UnavailableException(FLAG + ": cannot run " + command[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException(FLAG + ": interrupted while running " + command[0]);
        }
    }
}
