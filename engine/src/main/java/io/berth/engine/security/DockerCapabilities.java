package io.berth.engine.security;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.runtime.capability.Capability;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Docker's capability policy: the default set every container gets, and how --cap-add, --cap-drop
 * (either may say ALL) and --privileged change it. "All" means all that the daemon itself holds.
 */
public final class DockerCapabilities {
    /** The set dockerd grants by default. */
    public static final List<String> DEFAULTS = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE");

    private DockerCapabilities() {}

    /**
     * @param available every capability the daemon may grant ("CAP_..." names), for ALL and --privileged
     * @return the container's capability set, in a stable order
     */
    public static List<String> resolve(List<String> capAdd, List<String> capDrop, boolean privileged, Set<String> available) {
        if (privileged) return sorted(available);
        Set<String> drops = normalise(capDrop, "--cap-drop", available);
        Set<String> adds = normalise(capAdd, "--cap-add", available);
        boolean dropAll = drops.remove("ALL"), addAll = adds.remove("ALL");
        Set<String> caps = new LinkedHashSet<>();
        if (addAll) caps.addAll(available);
        else if (!dropAll) caps.addAll(DEFAULTS);
        caps.removeAll(drops);
        caps.addAll(adds);
        return sorted(caps);
    }

    private static Set<String> normalise(List<String> names, String flag, Set<String> available) {
        Set<String> out = new LinkedHashSet<>();
        if (names == null) return out;
        for (String name : names) {
            if (name.trim().equalsIgnoreCase("ALL")) {
                out.add("ALL");
                continue;
            }
            String full = Capability.parse(name, flag).name();
            if (flag.equals("--cap-add") && !available.contains(full)) {
                throw new InvalidArgumentException(flag + ": " + full + " is not available to the daemon, so it cannot be granted");
            }
            out.add(full);
        }
        return out;
    }

    private static List<String> sorted(Set<String> caps) {
        List<String> list = new ArrayList<>(caps);
        list.sort(null);
        return List.copyOf(list);
    }
}
