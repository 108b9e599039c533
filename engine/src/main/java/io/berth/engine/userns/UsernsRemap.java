package io.berth.engine.userns;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * dockerd's --userns-remap, resolved: the remap user and group and the id mappings every container's user
 * namespace gets (container ids from 0 over the subordinate ranges, lowest first), so the container's root is
 * the first subordinate uid and gid on the host.
 */
public record UsernsRemap(String user, String group, List<Linux.IdMapping> uidMappings, List<Linux.IdMapping> gidMappings) {
    public UsernsRemap {
        if (uidMappings.isEmpty() || gidMappings.isEmpty()) throw new IllegalArgumentException("a remap needs uid and gid mappings");
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
    }

    /** The mappings of {@code ranges} laid end to end from container id 0. */
    public static List<Linux.IdMapping> mappings(List<IdRange> ranges) {
        List<Linux.IdMapping> mappings = new ArrayList<>();
        long next = 0;
        for (IdRange range : ranges) {
            mappings.add(new Linux.IdMapping(next, range.start(), range.count()));
            next += range.count();
        }
        return mappings;
    }

    /** The host uid of the container's root. */
    public int rootUid() {
        return (int) uidMappings.getFirst().hostID();
    }

    /** The host gid of the container's root. */
    public int rootGid() {
        return (int) gidMappings.getFirst().hostID();
    }

    /** What GET /info lists in SecurityOptions, as dockerd does with a remap. */
    public static final String SECURITY_OPTION = "name=userns";

    /**
     * Refuses a directory the remapped root cannot reach (the container's files and mount sources lie beneath it), as
     * dockerd refuses such a data root: every directory on the way must let it search, as owner, group or other.
     */
    public void checkReachable(Path dir) throws IOException {
        for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            int mode = (int) Files.getAttribute(d, "unix:mode");
            int uid = (int) Files.getAttribute(d, "unix:uid"), gid = (int) Files.getAttribute(d, "unix:gid");
            int searchBit = uid == rootUid() ? 0100 : gid == rootGid() ? 010 : 01;
            if ((mode & searchBit) == 0) {
                throw new InvalidArgumentException(RemapAccounts.FLAG + ": the remapped root (uid " + rootUid() + ") cannot reach "
                        + dir + ": please allow o+x on " + d);
            }
        }
    }
}
