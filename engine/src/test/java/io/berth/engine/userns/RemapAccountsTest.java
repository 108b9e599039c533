package io.berth.engine.userns;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --userns-remap against the host's real account files, with accounts of the test's own (removed afterwards). */
class RemapAccountsTest {
    private static final String WITH_RANGES = "berthtest-remap", WITHOUT_RANGES = "berthtest-norange", DEFAULT = "berthtest-default";
    private static final Path ETC = Path.of("/etc");
    private static TestAccount withRanges, withoutRanges;

    @BeforeAll
    static void createAccounts() throws Exception {
        for (String name : List.of(WITH_RANGES, WITHOUT_RANGES, DEFAULT)) TestAccount.removeIfPresent(name);
        withRanges = TestAccount.create(WITH_RANGES, true);
        withoutRanges = TestAccount.create(WITHOUT_RANGES, false);
    }

    @AfterAll
    static void removeAccounts() throws Exception {
        try {
            if (withRanges != null) withRanges.close();
        } finally {
            try {
                if (withoutRanges != null) withoutRanges.close();
            } finally {
                TestAccount.removeIfPresent(DEFAULT);
            }
        }
    }

    private static RemapAccounts accounts() {
        return new RemapAccounts(ETC, DEFAULT);
    }

    @Test
    void aUserWithRangesMapsRootToItsFirstSubordinateIds() throws Exception {
        UsernsRemap remap = accounts().resolve(WITH_RANGES);
        long start = withRanges.range().start();
        assertEquals(List.of(new Linux.IdMapping(0, start, 65536)), remap.uidMappings());
        assertEquals(List.of(new Linux.IdMapping(0, start, 65536)), remap.gidMappings());
        assertEquals((int) start, remap.rootUid());
        assertEquals(WITH_RANGES, remap.group(), "the group defaults to the user's name, as with dockerd");
        String uid = Files.readAllLines(ETC.resolve("passwd")).stream().filter(l -> l.startsWith(WITH_RANGES + ":"))
                .findFirst().orElseThrow().split(":")[2];
        assertEquals(remap, accounts().resolve(uid + ":" + WITH_RANGES), "a numeric uid names the same account");
    }

    @Test
    void badValuesAreRefusedNamingTheFlagAndChangeNothing() throws Exception {
        String subuid = Files.readString(ETC.resolve("subuid")), subgid = Files.readString(ETC.resolve("subgid"));
        String passwd = Files.readString(ETC.resolve("passwd"));
        for (String bad : List.of("", ":", "a:b:c", ":" + WITH_RANGES, WITH_RANGES + ":")) {
            var e = assertThrows(InvalidArgumentException.class, () -> accounts().resolve(bad), bad);
            assertTrue(e.getMessage().startsWith("--userns-remap: invalid value"), e.getMessage());
        }
        assertEquals("--userns-remap: no such user: berthtest-nosuchuser",
                assertThrows(InvalidArgumentException.class, () -> accounts().resolve("berthtest-nosuchuser")).getMessage());
        assertEquals("--userns-remap: no such group: berthtest-nosuchgroup",
                assertThrows(InvalidArgumentException.class, () -> accounts().resolve(WITH_RANGES + ":berthtest-nosuchgroup")).getMessage());
        assertEquals("--userns-remap: user \"" + WITHOUT_RANGES + "\" has no subordinate uid range in /etc/subuid",
                assertThrows(InvalidArgumentException.class, () -> accounts().resolve(WITHOUT_RANGES)).getMessage());
        assertEquals(subuid, Files.readString(ETC.resolve("subuid")));
        assertEquals(subgid, Files.readString(ETC.resolve("subgid")));
        assertEquals(passwd, Files.readString(ETC.resolve("passwd")));
    }

    @Test
    void defaultCreatesItsAccountAndAFreeRangeOnceLikeDockerd() throws Exception {
        TestAccount.removeIfPresent(DEFAULT);
        try {
            IdRange expected = SubordinateIds.read(ETC.resolve("subuid")).firstFree(100000, 65536);
            UsernsRemap remap = accounts().resolve("default");
            assertEquals(DEFAULT, remap.user());
            assertEquals(List.of(new Linux.IdMapping(0, expected.start(), 65536)), remap.uidMappings());
            assertEquals(remap, accounts().resolve("default"), "the second time nothing is added");
            assertEquals(1, SubordinateIds.read(ETC.resolve("subuid")).rangesOf(DEFAULT, -1).size());
        } finally {
            TestAccount.removeIfPresent(DEFAULT);
        }
        assertFalse(Files.readString(ETC.resolve("subuid")).contains(DEFAULT + ":"), "userdel dropped its range");
    }
}
