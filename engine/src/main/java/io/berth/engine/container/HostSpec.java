package io.berth.engine.container;

import java.util.List;

/** Host-side settings of a container: what docker keeps in HostConfig and Berth honours so far. */
public record HostSpec(boolean autoRemove, List<String> binds, String networkMode, Resources resources,
                       Isolation isolation) {
    public HostSpec {
        binds = binds == null ? List.of() : List.copyOf(binds);
        networkMode = networkMode == null || networkMode.isEmpty() ? "default" : networkMode;
        resources = resources == null ? Resources.NONE : resources;
        isolation = isolation == null ? Isolation.DEFAULTS : isolation;
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
        return new HostSpec(autoRemove, binds, networkMode, newResources, isolation);
    }
}
