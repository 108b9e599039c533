package io.berth.engine.container;

import io.berth.engine.security.SecurityPolicy;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.Seccomp;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Root;
import io.berth.oci.runtime.Spec;
import io.berth.runtime.spec.SpecDefaults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a container's effective config into the OCI spec its process runs with, on top of the
 * runtime's {@link SpecDefaults} (docker's mounts, namespaces, devices, capabilities): the command, env,
 * working directory (created in the writable layer when the image lacks it, as docker does), user,
 * hostname, the /etc/hostname, /etc/hosts and /etc/resolv.conf bind mounts, user binds and the
 * cgroup path berth/&lt;id&gt;.
 */
public final class OciSpecBuilder {
    private final Container container;
    private final ContainerFiles files;
    private final List<Path> layersBottomFirst;
    private final SecurityPolicy security;

    public OciSpecBuilder(Container container, ContainerFiles files, List<Path> layersBottomFirst, SecurityPolicy security) {
        this.container = container;
        this.files = files;
        this.layersBottomFirst = layersBottomFirst;
        this.security = security;
    }

    public Spec build() throws IOException {
        ContainerSpec s = container.spec();
        List<String> args = new ArrayList<>(s.entrypoint());
        args.addAll(s.cmd());
        if (args.isEmpty()) throw new InvalidArgumentException("No command specified");
        Spec defaults = SpecDefaults.spec(files.mergedDir().toString(), args, s.hostname(), "berth/" + container.id());
        String cwd = s.workingDir().isEmpty() ? "/" : s.workingDir();
        ensureWorkingDir(cwd);
        UserResolver.ResolvedUser user = new UserResolver(this::fileInImage).resolve(s.user());
        Process base = defaults.process();
        Process.Capabilities capabilities = security.capabilities(List.of(), List.of(), false);
        Process process = new Process(s.tty(), base.consoleSize(),
                new Process.User(user.uid(), user.gid(), base.user() == null ? null : base.user().umask(),
                        user.additionalGids().stream().map(Integer::longValue).toList(), null),
                List.copyOf(args), null, s.env(), cwd, capabilities, base.rlimits(), base.noNewPrivileges(),
                base.apparmorProfile(), base.oomScoreAdj(), base.selinuxLabel());
        Map<String, String> annotations = new LinkedHashMap<>();
        if (defaults.annotations() != null) annotations.putAll(defaults.annotations());
        annotations.put("io.berth.container.name", container.name());
        Files.createDirectories(files.mergedDir());
        return new Spec(Spec.VERSION, process, new Root(files.mergedDir().toString(), false), s.hostname(),
                s.domainname().isEmpty() ? null : s.domainname(), mounts(defaults.mounts()), withSeccomp(defaults.linux(), security.defaultSeccomp(capabilities)), annotations);
    }

    private static Linux withSeccomp(Linux linux, Seccomp seccomp) {
        return new Linux(linux.namespaces(), linux.uidMappings(), linux.gidMappings(), linux.sysctl(), linux.resources(),
                linux.cgroupsPath(), seccomp, linux.rootfsPropagation(), linux.maskedPaths(), linux.readonlyPaths(),
                linux.devices(), linux.mountLabel(), linux.personality());
    }

    /** Default mounts, then the per-container /etc files, then the user's binds (later mounts win). */
    private List<Mount> mounts(List<Mount> defaults) {
        List<Mount> mounts = new ArrayList<>(defaults == null ? List.of() : defaults);
        mounts.add(bind(files.resolvConf(), "/etc/resolv.conf", false));
        mounts.add(bind(files.hostnameFile(), "/etc/hostname", false));
        mounts.add(bind(files.hostsFile(), "/etc/hosts", false));
        for (String spec : container.host().binds()) mounts.add(userBind(spec));
        return mounts;
    }

    private static Mount bind(Path source, String destination, boolean readOnly) {
        List<String> options = new ArrayList<>(List.of("rbind", "rprivate"));
        if (readOnly) options.add("ro");
        return new Mount(destination, "bind", source.toString(), options);
    }

    /** docker -v HOST:CONTAINER[:ro|rw]; only absolute host paths (named volumes come later). */
    private static Mount userBind(String spec) {
        String[] parts = spec.split(":");
        if (parts.length < 2 || !parts[0].startsWith("/") || !parts[1].startsWith("/")) {
            throw new InvalidArgumentException("invalid bind mount spec \"" + spec + "\": expected /host/path:/container/path[:ro]");
        }
        boolean readOnly = parts.length > 2 && List.of(parts[2].split(",")).contains("ro");
        return bind(Path.of(parts[0]), parts[1], readOnly);
    }

    private void ensureWorkingDir(String cwd) throws IOException {
        String relative = cwd.replaceFirst("^/+", "");
        if (relative.isEmpty() || fileInImage(relative).isPresent()) return;
        Files.createDirectories(files.upperDir().resolve(relative));
    }

    /** A path inside the container's filesystem: the writable layer first, then the image layers top down. */
    private Optional<Path> fileInImage(String relative) {
        String clean = relative.replaceFirst("^/+", "");
        if (Files.exists(files.upperDir().resolve(clean), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(files.upperDir().resolve(clean));
        }
        for (Path layer : layersBottomFirst.reversed()) {
            Path candidate = layer.resolve(clean);
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
