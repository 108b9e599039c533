package io.berth.engine.container;

import java.util.List;
import java.util.Map;

/**
 * What separates a container from the host beyond its cgroup: capabilities, seccomp and other
 * security options (docker's raw SecurityOpt strings, a seccomp profile carried inline as JSON),
 * namespace modes ("" for a new namespace, "host" for the host's; for the user namespace "" means the
 * daemon's --userns-remap, if any, and "host" opts out of it), the root filesystem, tmpfs mounts,
 * rlimits, extra groups, host devices and --init.
 */
public record Isolation(
        List<String> capAdd,
        List<String> capDrop,
        boolean privileged,
        List<String> securityOpt,
        boolean readonlyRootfs,
        Map<String, String> tmpfs,
        List<Ulimit> ulimits,
        List<String> groupAdd,
        String pidMode,
        String ipcMode,
        String utsMode,
        boolean init,
        List<DeviceMapping> devices,
        String usernsMode) {

    /** A resource limit by its short name ("nofile"); -1 means unlimited. */
    public record Ulimit(String name, long soft, long hard) {}

    /** A host device made available in the container; permissions a subset of "rwm". */
    public record DeviceMapping(String pathOnHost, String pathInContainer, String cgroupPermissions) {}

    public static final Isolation DEFAULTS = new Isolation(null, null, false, null, false, null, null, null, null, null,
            null, false, null, null);

    /** Without a user namespace mode: the daemon's choice. */
    public Isolation(List<String> capAdd, List<String> capDrop, boolean privileged, List<String> securityOpt,
                     boolean readonlyRootfs, Map<String, String> tmpfs, List<Ulimit> ulimits, List<String> groupAdd,
                     String pidMode, String ipcMode, String utsMode, boolean init, List<DeviceMapping> devices) {
        this(capAdd, capDrop, privileged, securityOpt, readonlyRootfs, tmpfs, ulimits, groupAdd, pidMode, ipcMode, utsMode,
                init, devices, null);
    }

    public Isolation {
        capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
        capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
        securityOpt = securityOpt == null ? List.of() : List.copyOf(securityOpt);
        tmpfs = tmpfs == null ? Map.of() : Map.copyOf(tmpfs);
        ulimits = ulimits == null ? List.of() : List.copyOf(ulimits);
        groupAdd = groupAdd == null ? List.of() : List.copyOf(groupAdd);
        pidMode = pidMode == null ? "" : pidMode;
        ipcMode = ipcMode == null ? "" : ipcMode;
        utsMode = utsMode == null ? "" : utsMode;
        devices = devices == null ? List.of() : List.copyOf(devices);
        usernsMode = usernsMode == null ? "" : usernsMode;
    }
}
