package io.berth.engine.image;

import io.berth.oci.reference.ImageReference;

import java.util.List;
import java.util.Optional;

/** docker commit's options: the new image's optional name, author, message, and --change instructions. */
public record CommitRequest(Optional<ImageReference> tag, String author, String comment, List<String> changes) {
    public CommitRequest {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }
}
