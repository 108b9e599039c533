package io.berth.image;

import io.berth.oci.image.ImageConfig;
import io.berth.oci.reference.ImageReference;

import java.util.Optional;

/**
 * What docker commit adds besides the layer: an optional tag, author and comment, the history's
 * created_by, and the container config of the new image (null: the parent's, unchanged; the engine
 * passes the container's config with any --change applied).
 */
public record CommitOptions(Optional<ImageReference> tag, String author, String comment, String createdBy,
                            ImageConfig.ContainerConfig config) {
    public static CommitOptions defaults() {
        return new CommitOptions(Optional.empty(), null, null, null, null);
    }
}
