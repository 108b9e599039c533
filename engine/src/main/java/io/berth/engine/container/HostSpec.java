package io.berth.engine.container;

import io.berth.engine.logs.LogConfig;

import java.util.List;

/** Host-side settings of a container: what docker keeps in HostConfig and Berth honours so far. */
public record HostSpec(boolean autoRemove, List<String> binds, String networkMode, Resources resources,
                       Isolation isolation, LogConfig logConfig, List<Integer> consoleSize) {
    public HostSpec {
        logConfig = logConfig == null ? LogConfig.DEFAULT : logConfig;
        consoleSize = consoleSize == null || consoleSize.size() != 2 ? null : List.copyOf(consoleSize);
        binds = binds == null ? List.of() : List.copyOf(binds);
        networkMode = networkMode == null || networkMode.isEmpty() ? "default" : networkMode;
        resources = resources == null ? Resources.NONE : resources;
        isolation = isolation == null ? Isolation.DEFAULTS : isolation;
    }

    public HostSpec(boolean autoRemove, List<String> binds, String networkMode, Resources resources, Isolation isolation) {
        this(autoRemove, binds, networkMode, resources, isolation, LogConfig.DEFAULT, null);
    }

    public HostSpec(boolean autoRemove, List<String> binds, String networkMode) {
        this(autoRemove, binds, networkMode, Resources.NONE, Isolation.DEFAULTS);
    }

    public static HostSpec defaults() {
        return new HostSpec(false, List.of(), "default");
    }

    public boolean hostNetwork() {
        return networkMode.equals("host");
    }

    public HostSpec withResources(Resources newResources) {
        return new HostSpec(autoRemove, binds, networkMode, newResources, isolation, logConfig, consoleSize);
    }
}
