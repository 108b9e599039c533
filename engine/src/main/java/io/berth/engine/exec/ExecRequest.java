package io.berth.engine.exec;

import io.berth.errdefs.InvalidArgumentException;

import java.util.List;

/**
 * What POST /containers/{id}/exec asks for. Empty {@code user} and {@code workingDir} mean the
 * container's own; {@code env} entries override the container's variables of the same name.
 * {@code consoleSize} is {rows, columns} or null.
 */
public record ExecRequest(List<String> cmd, List<String> env, String user, String workingDir, boolean tty,
                          boolean attachStdin, boolean attachStdout, boolean attachStderr, boolean privileged,
                          String detachKeys, int[] consoleSize) {
    public ExecRequest {
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        user = user == null ? "" : user;
        workingDir = workingDir == null ? "" : workingDir;
        detachKeys = detachKeys == null ? "" : detachKeys;
        if (cmd.isEmpty()) throw new InvalidArgumentException("No exec command specified");
        if (!workingDir.isEmpty() && !workingDir.startsWith("/")) {
            throw new InvalidArgumentException("the working directory '" + workingDir + "' is invalid, it needs to be an absolute path");
        }
        for (String e : env) {
            if (e.isEmpty() || e.startsWith("=")) throw new InvalidArgumentException("invalid environment variable: " + e);
        }
        if (!detachKeys.isEmpty()) DetachKeys.parse(detachKeys);
    }
}
