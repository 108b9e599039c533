package io.berth.engine.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Facts about the host reported by /info and /version, read from /proc and /etc. */
public record HostFacts(String kernelVersion, String operatingSystem, int cpus, long memoryBytes, String hostname) {

    public static HostFacts read() {
        return new HostFacts(firstLine(Path.of("/proc/sys/kernel/osrelease")).orElse("unknown"),
                prettyName().orElse("Linux"), Runtime.getRuntime().availableProcessors(), memTotal(),
                firstLine(Path.of("/proc/sys/kernel/hostname")).orElse("localhost"));
    }

    /** The online CPU list, e.g. "0-1", as cpuset limits name CPUs. */
    public static String onlineCpus() {
        return firstLine(Path.of("/sys/devices/system/cpu/online"))
                .orElse("0-" + (Runtime.getRuntime().availableProcessors() - 1));
    }

    private static Optional<String> firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().map(String::trim);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> prettyName() {
        return lines(Path.of("/etc/os-release")).stream()
                .filter(l -> l.startsWith("PRETTY_NAME="))
                .map(l -> l.substring("PRETTY_NAME=".length()).replaceAll("^\"|\"$", ""))
                .findFirst();
    }

    /** MemTotal from /proc/meminfo, which counts kB. */
    private static long memTotal() {
        return lines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                .findFirst().orElse(0L);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
