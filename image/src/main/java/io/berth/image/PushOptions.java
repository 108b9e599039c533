package io.berth.image;

import io.berth.image.registry.Credentials;

/**
 * How one push runs: {@code auth} as for a pull; {@code allTags} pushes every local tag of the
 * reference's repository (docker push --all-tags; the reference then names a repository, its tag is ignored).
 */
public record PushOptions(Credentials.AuthConfig auth, boolean allTags) {
    public static PushOptions defaults() {
        return new PushOptions(null, false);
    }
}
