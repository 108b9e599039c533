package io.berth.engine.container;

import java.util.List;
import java.util.Map;

/**
 * What a client asks for when creating a container, before the image's defaults are merged in.
 * Null means "not given" (so the image's value applies); an empty {@code entrypoint} list given
 * explicitly resets the image's entrypoint, as {@code --entrypoint ""} does.
 */
public record CreateRequest(
        String name,
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
        Integer stopTimeout,
        HostSpec host) {

    /** A request with only an image and a command, the rest defaulted (tests, CRI). */
    public static CreateRequest of(String name, String image, List<String> cmd, HostSpec host) {
        return new CreateRequest(name, image, null, cmd, null, null, null, null, null, null, false, false, false, false,
                true, true, null, null, host);
    }
}
