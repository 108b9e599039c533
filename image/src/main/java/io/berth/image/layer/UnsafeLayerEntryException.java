package io.berth.image.layer;

import java.io.IOException;

/** A layer tar entry would land outside the layer root (".." component, or a path through a symlink). */
public final class UnsafeLayerEntryException extends IOException {
    public UnsafeLayerEntryException(String entry, String reason) {
        super("refusing layer entry " + entry + ": " + reason);
    }
}
