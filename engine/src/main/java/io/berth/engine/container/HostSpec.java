package io.berth.engine.container;

import java.util.List;

/** Host-side settings of a container: what docker keeps in HostConfig and Berth honours so far. */
public record HostSpec(boolean autoRemove, List<String> binds, String networkMode) {
    public HostSpec {
        binds = binds == null ? List.of() : List.copyOf(binds);
        networkMode = networkMode == null || networkMode.isEmpty() ? "default" : networkMode;
    }

    public static HostSpec defaults() {
        return new HostSpec(false, List.of(), "default");
    }
}
