package io.berth.engine.security;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Seccomp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * A seccomp profile in Docker's format: the OCI fields plus an architecture map and, per rule,
 * conditions on the container's capabilities, the CPU family and the kernel version. Resolving it
 * for one container yields the plain OCI {@link Seccomp} that goes into config.json, as dockerd does.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DockerSeccompProfile(
        String defaultAction,
        Integer defaultErrnoRet,
        List<String> architectures,
        List<ArchMapping> archMap,
        List<String> flags,
        List<Rule> syscalls) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ArchMapping(String architecture, List<String> subArchitectures) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Filter(List<String> caps, List<String> arches, String minKernel) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rule(String name, List<String> names, String action, Integer errnoRet, List<Seccomp.Arg> args,
                       Filter includes, Filter excludes) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final String NATIVE_SCMP_ARCH = "SCMP_ARCH_X86_64";
    /** Docker names CPU families the Go way in includes/excludes. */
    private static final String NATIVE_GO_ARCH = "amd64";

    /** Docker's default profile, as shipped with Berth. */
    public static DockerSeccompProfile defaultProfile() {
        try (InputStream in = DockerSeccompProfile.class.getResourceAsStream("seccomp-default.json")) {
            return JSON.readValue(in, DockerSeccompProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the built-in seccomp profile is unreadable", e);
        }
    }

    /** Parses a user's profile ({@code --security-opt seccomp=FILE}); {@code source} names it in errors. */
    public static DockerSeccompProfile parse(byte[] json, String source) {
        try {
            DockerSeccompProfile profile = JSON.readValue(json, DockerSeccompProfile.class);
            if (profile == null || profile.defaultAction() == null) {
                throw new InvalidArgumentException("seccomp profile " + source + ": defaultAction is missing");
            }
            return profile;
        } catch (JacksonException e) {
            throw new InvalidArgumentException("seccomp profile " + source + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidArgumentException("seccomp profile " + source + " is unreadable: " + e.getMessage());
        }
    }

    /**
     * The OCI filter for a container holding {@code capabilities} (its bounding set, "CAP_..." names)
     * on a kernel of the given version.
     */
    public Seccomp resolve(Collection<String> capabilities, KernelVersion kernel) {
        Set<String> caps = Set.copyOf(capabilities);
        List<Seccomp.Syscall> resolved = new ArrayList<>();
        for (Rule rule : syscalls == null ? List.<Rule>of() : syscalls) {
            if (!applies(rule, caps, kernel)) continue;
            List<String> names = rule.names() != null && !rule.names().isEmpty() ? rule.names()
                    : rule.name() != null ? List.of(rule.name()) : List.of();
            if (names.isEmpty()) throw new InvalidArgumentException("seccomp profile: a rule names no system call");
            resolved.add(new Seccomp.Syscall(names, rule.action(), rule.errnoRet(), rule.args()));
        }
        return new Seccomp(defaultAction, defaultErrnoRet, resolvedArchitectures(), flags, null, null, resolved);
    }

    private List<String> resolvedArchitectures() {
        if (archMap != null) {
            for (ArchMapping mapping : archMap) {
                if (NATIVE_SCMP_ARCH.equals(mapping.architecture())) {
                    List<String> archs = new ArrayList<>();
                    archs.add(mapping.architecture());
                    if (mapping.subArchitectures() != null) archs.addAll(mapping.subArchitectures());
                    return archs;
                }
            }
        }
        return architectures;
    }

    private static boolean applies(Rule rule, Set<String> caps, KernelVersion kernel) {
        Filter excludes = rule.excludes(), includes = rule.includes();
        if (excludes != null) {
            if (excludes.arches() != null && excludes.arches().contains(NATIVE_GO_ARCH)) return false;
            if (excludes.caps() != null && excludes.caps().stream().anyMatch(caps::contains)) return false;
            if (excludes.minKernel() != null && kernel.atLeast(KernelVersion.parse(excludes.minKernel()))) return false;
        }
        if (includes != null) {
            if (includes.arches() != null && !includes.arches().isEmpty() && !includes.arches().contains(NATIVE_GO_ARCH)) return false;
            if (includes.caps() != null && !caps.containsAll(includes.caps())) return false;
            if (includes.minKernel() != null && !kernel.atLeast(KernelVersion.parse(includes.minKernel()))) return false;
        }
        return true;
    }
}
