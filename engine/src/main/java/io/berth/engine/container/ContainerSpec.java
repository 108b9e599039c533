package io.berth.engine.container;

import java.util.List;
import java.util.Map;

/**
 * The effective configuration of a container: what the user asked for, already merged with the
 * image's config at create time (as docker does), so that start and inspect read one place.
 * {@code entrypoint} and {@code cmd} are empty lists when unset.
 */
public record ContainerSpec(
        String image,
        List<String> entrypoint,
        List<String> cmd,
        List<String> env,
        String workingDir,
        String user,
        String hostname,
        String domainname,
        Map<String, String> labels,
        boolean tty,
        boolean openStdin,
        boolean stdinOnce,
        boolean attachStdin,
        boolean attachStdout,
        boolean attachStderr,
        String stopSignal,
        Integer stopTimeout) {

    public ContainerSpec {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        workingDir = workingDir == null ? "" : workingDir;
        user = user == null ? "" : user;
        hostname = hostname == null ? "" : hostname;
        domainname = domainname == null ? "" : domainname;
    }
}
