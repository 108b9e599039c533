package io.berth.image.registry;

import java.io.InputStream;

/** An open blob download; {@code length} is -1 when the registry did not say. */
public record BlobStream(InputStream body, long length) {
}
