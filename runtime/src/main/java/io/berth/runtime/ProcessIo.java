package io.berth.runtime;

import java.nio.file.Path;

/**
 * Where a container's or an exec's stdio goes when the monitor relays it: output to the docker json-file log
 * {@code jsonLogFile} (null: discarded, as docker does for a detached exec), rotated by {@code rotation} (null:
 * unbounded); with {@code openStdin} the process reads a pipe (or its terminal) that control clients write to,
 * else /dev/null. Whether there is a terminal comes from the OCI process ({@code terminal}, {@code consoleSize}).
 */
public record ProcessIo(Path jsonLogFile, LogRotation rotation, boolean openStdin) {
    public ProcessIo {
        if (jsonLogFile != null) jsonLogFile = jsonLogFile.toAbsolutePath();
    }

    /** Output logged without rotation, stdin /dev/null: what a container got before terminals and stdin. */
    public static ProcessIo logTo(Path jsonLogFile) {
        return new ProcessIo(jsonLogFile, null, false);
    }
}
