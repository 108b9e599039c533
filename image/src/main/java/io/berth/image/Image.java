package io.berth.image;

import io.berth.oci.Digest;
import io.berth.oci.image.ImageConfig;

import java.time.Instant;
import java.util.List;

/**
 * A stored image. {@code id} is the config digest (as in docker); repoTags are familiar
 * ("busybox:latest"), repoDigests "busybox@sha256:..."; size is the unpacked size of its layers.
 */
public record Image(Digest id, ImageConfig config, List<String> repoTags, List<String> repoDigests, long size,
                    Instant created) {
}
