package io.berth.image.registry;

import io.berth.oci.Digest;

/** A manifest or index exactly as the registry sent it; {@code digest} is over these bytes. */
public record FetchedManifest(byte[] bytes, String mediaType, Digest digest) {
}
