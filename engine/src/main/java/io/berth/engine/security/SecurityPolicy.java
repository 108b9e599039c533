package io.berth.engine.security;

import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Seccomp;
import io.berth.runtime.capability.Capability;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Docker's confinement for a container: its capability sets and the seccomp filter that follows from
 * them and from --security-opt. The built-in profile is parsed once; the daemon's own bounding set
 * bounds what "all" means.
 */
public final class SecurityPolicy {
    private final DockerSeccompProfile defaultProfile = DockerSeccompProfile.defaultProfile();
    private final KernelVersion kernel = KernelVersion.running();
    private final Set<String> available = Capability.boundingSetOfThisProcess().stream()
            .map(Capability::name).collect(Collectors.toUnmodifiableSet());

    /** The capabilities a container gets from --cap-add, --cap-drop and --privileged. */
    public Process.Capabilities capabilities(List<String> capAdd, List<String> capDrop, boolean privileged) {
        List<String> caps = DockerCapabilities.resolve(capAdd, capDrop, privileged, available);
        // Docker leaves inheritable and ambient empty, so an exec'd program gains nothing it does not carry itself.
        return new Process.Capabilities(caps, caps, List.of(), caps, List.of());
    }

    /** Docker's default seccomp profile resolved for a container holding {@code capabilities}. */
    public Seccomp defaultSeccomp(Process.Capabilities capabilities) {
        return defaultProfile.resolve(capabilities.bounding(), kernel);
    }

    /**
     * The filter a container runs under: none when privileged or unconfined (as dockerd, a profile
     * given explicitly still applies to a privileged container), else the given or default profile.
     */
    public Seccomp seccomp(SecurityOptions options, boolean privileged, Process.Capabilities capabilities) {
        if (options.seccompUnconfined()) return null;
        if (options.seccompProfile() != null) {
            return DockerSeccompProfile.parse(options.seccompProfile().getBytes(StandardCharsets.UTF_8), "from --security-opt seccomp")
                    .resolve(capabilities.bounding(), kernel);
        }
        return privileged ? null : defaultSeccomp(capabilities);
    }
}
