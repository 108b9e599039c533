package io.berth.api.server.endpoints;

import io.berth.api.model.ContainerSummary;
import io.berth.api.model.ImageSummary;
import io.berth.api.model.SystemInfo;
import io.berth.engine.image.DiskUsage;
import io.berth.api.model.SystemVersion;
import io.berth.api.server.http.ApiVersion;
import io.berth.api.server.http.Exchange;
import io.berth.api.server.http.Route;
import io.berth.engine.Engine;
import io.berth.engine.EngineInfo;
import io.berth.engine.userns.UsernsRemap;
import io.berth.oci.Digest;
import io.netty.handler.codec.http.HttpMethod;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** /_ping, /version, /info. */
public final class SystemEndpoints {
    public static final String VERSION = "0.1.0-berth";

    private final Engine engine;

    public SystemEndpoints(Engine engine) {
        this.engine = engine;
    }

    public List<Route> routes() {
        return List.of(
                Route.of(HttpMethod.GET, "/_ping", this::ping),
                Route.of(HttpMethod.HEAD, "/_ping", this::ping),
                Route.of(HttpMethod.GET, "/version", this::version),
                Route.of(HttpMethod.GET, "/info", this::info),
                Route.of(HttpMethod.GET, "/system/df", this::diskUsage));
    }

    private void ping(Exchange ex) {
        // Builder-Version 1: there is no BuildKit here, the CLI must not try it.
        ex.header("Builder-Version", "1").header("Cache-Control", "no-cache, no-store, must-revalidate")
                .header("Pragma", "no-cache");
        ex.text(200, "text/plain; charset=utf-8", "OK");
    }

    private void version(Exchange ex) throws Exception {
        String kernel = engine.host().kernelVersion();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("ApiVersion", ApiVersion.MAX.toString());
        details.put("MinAPIVersion", ApiVersion.MIN.toString());
        details.put("Os", "linux");
        details.put("Arch", "amd64");
        details.put("KernelVersion", kernel);
        details.put("GitCommit", "berth");
        details.put("GoVersion", "java" + Runtime.version().feature());
        details.put("Experimental", "false");
        ex.json(200, new SystemVersion(new SystemVersion.Platform("Berth Engine"),
                List.of(new SystemVersion.Component("Engine", VERSION, details)), VERSION, ApiVersion.MAX.toString(),
                ApiVersion.MIN.toString(), "berth", "java" + Runtime.version().feature(), "linux", "amd64", kernel, false,
                null));
    }

    private void info(Exchange ex) throws Exception {
        EngineInfo info = engine.info();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("ID", "berth");
        fields.put("Containers", info.containers());
        fields.put("ContainersRunning", info.running());
        fields.put("ContainersPaused", info.paused());
        fields.put("ContainersStopped", info.stopped());
        fields.put("Images", info.images());
        fields.put("Driver", "overlay2");
        fields.put("DriverStatus", List.of(List.of("Backing Filesystem", "extfs")));
        fields.put("DockerRootDir", info.dataRoot().toString());
        fields.put("Plugins", new SystemInfo.Plugins(List.of(), List.of(), null, List.of("json-file")));
        fields.put("MemoryLimit", true);
        fields.put("SwapLimit", false);
        fields.put("CpuCfsPeriod", true);
        fields.put("CpuCfsQuota", true);
        fields.put("CPUShares", true);
        fields.put("CPUSet", true);
        fields.put("PidsLimit", true);
        fields.put("IPv4Forwarding", false);
        fields.put("Debug", false);
        fields.put("NFd", 0);
        fields.put("NGoroutines", Thread.activeCount());
        fields.put("SystemTime", Instant.now().toString());
        fields.put("LoggingDriver", "json-file");
        fields.put("CgroupDriver", "cgroupfs");
        fields.put("CgroupVersion", info.cgroupVersion());
        fields.put("NEventsListener", 0);
        fields.put("KernelVersion", info.host().kernelVersion());
        fields.put("OperatingSystem", info.host().operatingSystem());
        fields.put("OSVersion", "");
        fields.put("OSType", "linux");
        fields.put("Architecture", "x86_64");
        fields.put("NCPU", info.host().cpus());
        fields.put("MemTotal", info.host().memoryBytes());
        fields.put("IndexServerAddress", "https://index.docker.io/v1/");
        fields.put("RegistryConfig", registryConfig());
        fields.put("Name", info.host().hostname());
        fields.put("Labels", List.of());
        fields.put("ExperimentalBuild", false);
        fields.put("ServerVersion", VERSION);
        fields.put("Runtimes", Map.of("berth", new SystemInfo.Runtime(engine.config().shimBinary().toString(), null)));
        fields.put("DefaultRuntime", "berth");
        fields.put("Swarm", new SystemInfo.Swarm("", "", "inactive", false, ""));
        fields.put("LiveRestoreEnabled", true);
        fields.put("Isolation", "");
        fields.put("SecurityOptions", engine.config().usernsRemap() == null ? List.of() : List.of(UsernsRemap.SECURITY_OPTION));
        fields.put("Warnings", List.of());
        ex.json(200, ex.mapper().convertValue(fields, SystemInfo.class));
    }

    /** docker system df: images with their container counts and shared bytes, the layers' bytes, containers with their writable layer's. */
    private void diskUsage(Exchange ex) throws Exception {
        DiskUsage usage = engine.diskUsage();
        ContainerViews views = new ContainerViews(ex.mapper());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("LayersSize", usage.layersSize());
        Map<Digest, Long> shared = engine.images().sharedSizes();
        answer.put("Images", usage.images().stream().map(u -> new ImageSummary(u.image().id().toString(), "",
                u.image().repoTags(), u.image().repoDigests(), u.image().created().getEpochSecond(), u.image().size(),
                shared.getOrDefault(u.image().id(), 0L), null, Map.of(), (long) u.containers())).toList());
        answer.put("Containers", usage.containers().stream().map(u -> {
            ContainerSummary s = views.summary(u.container());
            return new ContainerSummary(s.id(), s.names(), s.image(), s.imageId(), s.command(), s.created(), s.ports(),
                    u.sizeRw(), null, s.labels(), s.state(), s.status(), s.hostConfig(), s.networkSettings(), s.mounts());
        }).toList());
        answer.put("Volumes", List.of());
        answer.put("BuildCache", List.of());
        ex.json(200, answer);
    }

    /**
     * dockerd's shape: --insecure-registry ranges (CIDRs, plus loopback, insecure by default) in
     * InsecureRegistryCIDRs, named registries (host:port) as IndexConfigs entries with Secure false; the
     * docker CLI parses every InsecureRegistryCIDRs entry as a CIDR and fails `docker info` otherwise.
     */
    private SystemInfo.RegistryConfig registryConfig() {
        List<String> mirrors = engine.config().registries().dockerHubMirrors().stream().map(Object::toString).toList();
        List<String> cidrs = new ArrayList<>(List.of("127.0.0.0/8"));
        Map<String, SystemInfo.IndexInfo> indexes = new LinkedHashMap<>();
        indexes.put("docker.io", new SystemInfo.IndexInfo("docker.io", mirrors, true, true));
        for (String entry : engine.config().registries().insecure()) {
            if (entry.matches("[0-9a-fA-F:.]+/[0-9]{1,3}")) {
                if (!cidrs.contains(entry)) cidrs.add(entry);
            } else {
                indexes.put(entry, new SystemInfo.IndexInfo(entry, List.of(), false, false));
            }
        }
        return new SystemInfo.RegistryConfig(cidrs, indexes, mirrors);
    }
}
