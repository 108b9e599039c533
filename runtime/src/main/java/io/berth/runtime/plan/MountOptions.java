package io.berth.runtime.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.berth.runtime.plan.LinuxFlags.*;

/**
 * mount(8) style options split the way mount(2) takes them: flags, propagation (applied by a second
 * call, the kernel refuses to combine it), and the filesystem's own data string ("size=64m,mode=755").
 */
public record MountOptions(long flags, long propagation, String data) {
    private record Flag(long bits, boolean clear) {}

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("defaults", new Flag(0, false)),
            Map.entry("ro", new Flag(MS_RDONLY, false)), Map.entry("rw", new Flag(MS_RDONLY, true)),
            Map.entry("nosuid", new Flag(MS_NOSUID, false)), Map.entry("suid", new Flag(MS_NOSUID, true)),
            Map.entry("nodev", new Flag(MS_NODEV, false)), Map.entry("dev", new Flag(MS_NODEV, true)),
            Map.entry("noexec", new Flag(MS_NOEXEC, false)), Map.entry("exec", new Flag(MS_NOEXEC, true)),
            Map.entry("sync", new Flag(MS_SYNCHRONOUS, false)), Map.entry("async", new Flag(MS_SYNCHRONOUS, true)),
            Map.entry("remount", new Flag(MS_REMOUNT, false)),
            Map.entry("mand", new Flag(MS_MANDLOCK, false)), Map.entry("nomand", new Flag(MS_MANDLOCK, true)),
            Map.entry("dirsync", new Flag(MS_DIRSYNC, false)),
            Map.entry("noatime", new Flag(MS_NOATIME, false)), Map.entry("atime", new Flag(MS_NOATIME, true)),
            Map.entry("nodiratime", new Flag(MS_NODIRATIME, false)), Map.entry("diratime", new Flag(MS_NODIRATIME, true)),
            Map.entry("bind", new Flag(MS_BIND, false)), Map.entry("rbind", new Flag(MS_BIND | MS_REC, false)),
            Map.entry("relatime", new Flag(MS_RELATIME, false)), Map.entry("norelatime", new Flag(MS_RELATIME, true)),
            Map.entry("strictatime", new Flag(MS_STRICTATIME, false)),
            Map.entry("nostrictatime", new Flag(MS_STRICTATIME, true)),
            Map.entry("silent", new Flag(MS_SILENT, false)), Map.entry("loud", new Flag(MS_SILENT, true)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    public static MountOptions parse(List<String> options) {
        long flags = 0, propagation = 0;
        List<String> data = new ArrayList<>();
        for (String option : options == null ? List.<String>of() : options) {
            Flag flag = FLAGS.get(option);
            Long prop = PROPAGATION.get(option);
            if (flag != null) flags = flag.clear() ? flags & ~flag.bits() : flags | flag.bits();
            else if (prop != null) propagation = prop;
            else data.add(option);
        }
        return new MountOptions(flags, propagation, String.join(",", data));
    }

    /** The propagation flags a rootfsPropagation value names, e.g. "rslave"; null when the value is unknown. */
    public static Long propagation(String name) {
        return PROPAGATION.get(name);
    }
}
