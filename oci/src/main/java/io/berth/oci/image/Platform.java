package io.berth.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The platform an index entry is built for. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("variant") String variant,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures) {

    public static Platform of(String os, String architecture) {
        return new Platform(architecture, os, null, null, null);
    }

    /** Parses docker's --platform: "os/arch[/variant]" or "arch" alone (then linux); rejects anything else. */
    public static Platform parse(String text) {
        String[] parts = text.trim().toLowerCase().split("/");
        if (parts.length == 1 && !parts[0].isEmpty()) return new Platform(parts[0], "linux", null, null, null);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new io.berth.errdefs.InvalidArgumentException("invalid platform " + text + ": expected os/arch[/variant]");
        }
        return new Platform(parts[1], parts[0], parts.length == 3 ? parts[2] : null, null, null);
    }

    /** "linux/arm64/v8" */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }

    /**
     * Whether an index entry's platform serves {@code wanted}: same os and architecture, and the same
     * variant when one is asked for (arm64's "v8" is its default, so an entry without variant serves it too).
     */
    public boolean satisfies(Platform wanted) {
        if (!matches(wanted.os(), wanted.architecture())) return false;
        if (wanted.variant() == null || wanted.variant().equals(variant)) return true;
        return variant == null && "arm64".equals(architecture) && "v8".equals(wanted.variant());
    }

    public boolean matches(String wantedOs, String wantedArchitecture) {
        return wantedOs.equals(os) && wantedArchitecture.equals(architecture);
    }
}
