package io.berth.runtime;

import java.util.List;

/** A mount that builds the rootfs itself (e.g. overlay of image layers), made inside the container's mount namespace. */
public record RootfsMount(String type, String source, List<String> options) {
    public RootfsMount {
        options = List.copyOf(options);
    }
}
