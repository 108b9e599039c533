package io.berth.api.server.http;

import io.berth.errdefs.InvalidArgumentException;

/** An Engine API version "major.minor", compared numerically (1.9 &lt; 1.24). */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    public static final ApiVersion MIN = new ApiVersion(1, 24);
    public static final ApiVersion MAX = new ApiVersion(1, 50);

    public static ApiVersion parse(String text) {
        String[] parts = text.split("\\.");
        try {
            if (parts.length == 2) return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidArgumentException("invalid API version: " + text);
    }

    /** Rejects versions outside what this server speaks, with dockerd's messages. */
    public ApiVersion checkSupported() {
        if (compareTo(MAX) > 0) {
            throw new InvalidArgumentException("client version " + this + " is too new. Maximum supported API version is " + MAX);
        }
        if (compareTo(MIN) < 0) {
            throw new InvalidArgumentException("client version " + this + " is too old. Minimum supported API version is "
                    + MIN + ", please upgrade your client to a newer version");
        }
        return this;
    }

    public boolean atLeast(int maj, int min) {
        return compareTo(new ApiVersion(maj, min)) >= 0;
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
