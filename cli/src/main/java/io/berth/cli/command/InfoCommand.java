package io.berth.cli.command;

import io.berth.api.model.SystemInfo;
import io.berth.cli.format.HumanUnits;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** `berth info`: the daemon's system-wide information in docker's layout; warnings go to stderr. */
@Command(name = "info", description = "Display system-wide information")
final class InfoCommand extends ApiCommand {
    @Override
    public Integer call() throws IOException {
        PrintStream out = out();
        out.println("Client:");
        out.println(" Version:    " + BerthCommand.CLIENT_VERSION);
        out.println(" Context:    default");
        out.println(" Debug Mode: false");
        out.println();
        out.println("Server:");
        out.flush();
        SystemInfo info = client().getJson("/info", SystemInfo.class);
        field(out, " ", "Containers", info.containers());
        field(out, "  ", "Running", info.containersRunning());
        field(out, "  ", "Paused", info.containersPaused());
        field(out, "  ", "Stopped", info.containersStopped());
        field(out, " ", "Images", info.images());
        field(out, " ", "Server Version", info.serverVersion());
        field(out, " ", "Storage Driver", info.driver());
        if (info.driverStatus() != null) {
            info.driverStatus().stream().filter(pair -> pair.size() == 2)
                    .forEach(pair -> field(out, "  ", pair.get(0), pair.get(1)));
        }
        field(out, " ", "Logging Driver", info.loggingDriver());
        field(out, " ", "Cgroup Driver", info.cgroupDriver());
        field(out, " ", "Cgroup Version", info.cgroupVersion());
        if (info.plugins() != null) {
            out.println(" Plugins:");
            field(out, "  ", "Volume", join(info.plugins().volume()));
            field(out, "  ", "Network", join(info.plugins().network()));
            field(out, "  ", "Log", join(info.plugins().log()));
        }
        field(out, " ", "Swarm", info.swarm() == null ? null : info.swarm().localNodeState());
        if (info.runtimes() != null) {
            field(out, " ", "Runtimes", String.join(" ", info.runtimes().keySet()));
        }
        field(out, " ", "Default Runtime", info.defaultRuntime());
        field(out, " ", "Init Binary", info.initBinary());
        field(out, " ", "containerd version", info.containerdCommit() == null ? null : info.containerdCommit().id());
        field(out, " ", "runc version", info.runcCommit() == null ? null : info.runcCommit().id());
        field(out, " ", "init version", info.initCommit() == null ? null : info.initCommit().id());
        printSecurityOptions(out, info.securityOptions());
        field(out, " ", "Kernel Version", info.kernelVersion());
        field(out, " ", "Operating System", info.operatingSystem());
        field(out, " ", "OSType", info.osType());
        field(out, " ", "Architecture", info.architecture());
        field(out, " ", "CPUs", info.ncpu());
        field(out, " ", "Total Memory", info.memTotal() == null ? null : HumanUnits.binarySize(info.memTotal()));
        field(out, " ", "Name", info.name());
        field(out, " ", "ID", info.id());
        field(out, " ", "Docker Root Dir", info.dockerRootDir());
        field(out, " ", "Debug Mode", Boolean.TRUE.equals(info.debug()));
        field(out, " ", "Experimental", Boolean.TRUE.equals(info.experimentalBuild()));
        if (info.labels() != null && !info.labels().isEmpty()) {
            out.println(" Labels:");
            info.labels().forEach(label -> out.println("  " + label));
        }
        if (info.registryConfig() != null && info.registryConfig().insecureRegistryCidrs() != null
                && !info.registryConfig().insecureRegistryCidrs().isEmpty()) {
            out.println(" Insecure Registries:");
            info.registryConfig().insecureRegistryCidrs().forEach(cidr -> out.println("  " + cidr));
        }
        field(out, " ", "Live Restore Enabled", Boolean.TRUE.equals(info.liveRestoreEnabled()));
        out.println();
        out.flush();
        if (info.warnings() != null) {
            info.warnings().forEach(err()::println);
        }
        return 0;
    }

    /** Docker's "name=seccomp,profile=builtin" becomes "  seccomp" and "   Profile: builtin". */
    private static void printSecurityOptions(PrintStream out, List<String> options) {
        if (options == null || options.isEmpty()) {
            return;
        }
        out.println(" Security Options:");
        for (String option : options) {
            Map<String, String> keyValues = new TreeMap<>();
            String name = option;
            for (String pair : option.split(",")) {
                String[] keyValue = pair.split("=", 2);
                if (keyValue.length == 2 && keyValue[0].equals("name")) {
                    name = keyValue[1];
                } else if (keyValue.length == 2) {
                    keyValues.put(keyValue[0], keyValue[1]);
                }
            }
            out.println("  " + name);
            keyValues.forEach((key, value) -> out.println("   " + Character.toUpperCase(key.charAt(0)) + key.substring(1) + ": " + value));
        }
    }

    private static void field(PrintStream out, String indent, String key, Object value) {
        if (value != null) {
            out.println(indent + key + ": " + value);
        }
    }

    private static String join(List<String> values) {
        return values == null ? "" : String.join(" ", values);
    }
}
