package io.berth.runtime;

import io.berth.runtime.spec.SpecDefaults;

import java.nio.file.Path;
import java.util.List;

/**
 * A daemon for {@link ContainerRuntimeTest} to kill: starts one container, reports its pid and waits to be killed.
 * Arguments: shim, state root, rootfs, container id, cgroups path, log file, command...
 */
public final class DaemonStandIn {
    public static void main(String[] args) throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(Path.of(args[0]), Path.of(args[1]));
        List<String> command = List.of(args).subList(6, args.length);
        ContainerProcess process = runtime.start(args[3], SpecDefaults.spec(args[2], command, "standin", args[4]),
                List.of(), Path.of(args[5]));
        System.out.println("started " + process.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
