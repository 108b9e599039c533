package io.berth.api.server.endpoints;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.HostConfig;
import io.berth.engine.container.HostSpec;
import io.berth.engine.container.Isolation;
import io.berth.engine.container.Resources;
import io.berth.engine.logs.LogConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The API's HostConfig to the engine's HostSpec (create, update) and back (inspect). */
final class HostConfigs {
    private HostConfigs() {
    }

    static HostSpec toEngine(HostConfig h) {
        if (h == null) return HostSpec.defaults();
        LogConfig log = h.logConfig() == null ? null : new LogConfig(h.logConfig().type(), h.logConfig().config());
        return new HostSpec(Boolean.TRUE.equals(h.autoRemove()), h.binds(), h.networkMode(), resources(h), isolation(h),
                log, h.consoleSize());
    }

    /** The resource fields; also the body of docker update, whose UpdateConfig uses the same names. */
    static Resources resources(HostConfig h) {
        return new Resources(h.memory(), h.memorySwap(), h.memoryReservation(), h.nanoCpus(), h.cpuShares(), h.cpuQuota(),
                h.cpuPeriod(), h.cpusetCpus(), h.cpusetMems(), h.pidsLimit(),
                h.blkioWeight(), h.oomKillDisable());
    }

    private static Isolation isolation(HostConfig h) {
        List<Isolation.Ulimit> ulimits = h.ulimits() == null ? null : h.ulimits().stream()
                .map(u -> new Isolation.Ulimit(u.name(), u.soft() == null ? 0 : u.soft(), u.hard() == null ? 0 : u.hard()))
                .toList();
        List<Isolation.DeviceMapping> devices = h.devices() == null ? null : h.devices().stream()
                .map(d -> new Isolation.DeviceMapping(d.pathOnHost(), d.pathInContainer(), d.cgroupPermissions()))
                .toList();
        return new Isolation(h.capAdd(), h.capDrop(), Boolean.TRUE.equals(h.privileged()), h.securityOpt(),
                Boolean.TRUE.equals(h.readonlyRootfs()), h.tmpfs(), ulimits, h.groupAdd(), h.pidMode(), h.ipcMode(),
                h.utsMode(), Boolean.TRUE.equals(h.init()), devices, h.usernsMode());
    }

    static HostConfig toApi(HostSpec h, ObjectMapper mapper) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("Binds", h.binds().isEmpty() ? null : h.binds());
        fields.put("NetworkMode", h.networkMode());
        fields.put("AutoRemove", h.autoRemove());
        fields.put("LogConfig", Map.of("Type", h.logConfig().type(), "Config", h.logConfig().options()));
        fields.put("ConsoleSize", h.consoleSize() == null ? List.of(0, 0) : h.consoleSize());
        fields.put("RestartPolicy", Map.of("Name", "no", "MaximumRetryCount", 0));
        Isolation iso = h.isolation();
        fields.put("CapAdd", iso.capAdd().isEmpty() ? null : iso.capAdd());
        fields.put("CapDrop", iso.capDrop().isEmpty() ? null : iso.capDrop());
        fields.put("Privileged", iso.privileged());
        fields.put("SecurityOpt", iso.securityOpt().isEmpty() ? null : iso.securityOpt());
        fields.put("ReadonlyRootfs", iso.readonlyRootfs());
        fields.put("Tmpfs", iso.tmpfs().isEmpty() ? null : iso.tmpfs());
        fields.put("Ulimits", iso.ulimits().stream()
                .map(u -> Map.of("Name", u.name(), "Soft", u.soft(), "Hard", u.hard())).toList());
        fields.put("GroupAdd", iso.groupAdd().isEmpty() ? null : iso.groupAdd());
        fields.put("PidMode", iso.pidMode());
        fields.put("IpcMode", iso.ipcMode().isEmpty() ? "private" : iso.ipcMode());
        fields.put("UTSMode", iso.utsMode());
        fields.put("UsernsMode", iso.usernsMode());
        fields.put("Init", iso.init() ? Boolean.TRUE : null);
        fields.put("Devices", iso.devices().stream().map(d -> Map.of("PathOnHost", d.pathOnHost(),
                "PathInContainer", d.pathInContainer() == null ? d.pathOnHost() : d.pathInContainer(),
                "CgroupPermissions", d.cgroupPermissions() == null ? "rwm" : d.cgroupPermissions())).toList());
        Resources r = h.resources();
        fields.put("Memory", orZero(r.memory()));
        fields.put("MemorySwap", orZero(r.memorySwap()));
        fields.put("MemoryReservation", orZero(r.memoryReservation()));
        fields.put("NanoCpus", orZero(r.nanoCpus()));
        fields.put("CpuShares", orZero(r.cpuShares()));
        fields.put("CpuQuota", orZero(r.cpuQuota()));
        fields.put("CpuPeriod", orZero(r.cpuPeriod()));
        fields.put("CpusetCpus", r.cpusetCpus() == null ? "" : r.cpusetCpus());
        fields.put("CpusetMems", r.cpusetMems() == null ? "" : r.cpusetMems());
        fields.put("PidsLimit", r.pidsLimit());
        fields.put("BlkioWeight", r.blkioWeight() == null ? 0 : r.blkioWeight());
        fields.put("OomKillDisable", Boolean.TRUE.equals(r.oomKillDisable()));
        return mapper.convertValue(fields, HostConfig.class);
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
