package io.berth.engine.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where one container's files live: the per-container directory (hostname, hosts, resolv.conf, the
 * json log, config.json) and the overlay writable layer (upper and work dirs).
 */
public record ContainerFiles(Path dir, Path layerDir) {
    public static ContainerFiles of(Path dataRoot, String id) {
        return new ContainerFiles(dataRoot.resolve("containers").resolve(id), dataRoot.resolve("overlay").resolve(id));
    }

    public Path hostnameFile() { return dir.resolve("hostname"); }

    public Path hostsFile() { return dir.resolve("hosts"); }

    public Path resolvConf() { return dir.resolve("resolv.conf"); }

    public Path logFile() { return dir.resolve(dir.getFileName() + "-json.log"); }

    public Path ociConfig() { return dir.resolve("config.json"); }

    public Path upperDir() { return layerDir.resolve("upper"); }

    public Path workDir() { return layerDir.resolve("work"); }

    /** The merged view only exists inside the container's mount namespace; docker reports a path anyway. */
    public Path mergedDir() { return layerDir.resolve("merged"); }

    /** Writes the files every container gets bind-mounted into /etc. */
    public void create(String hostname, Path hostResolvConf) throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(upperDir());
        Files.createDirectories(workDir());
        Files.writeString(hostnameFile(), hostname + "\n");
        Files.writeString(hostsFile(), """
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                fe00::\tip6-localnet
                ff00::\tip6-mcastprefix
                ff02::1\tip6-allnodes
                ff02::2\tip6-allrouters
                127.0.1.1\t%s
                """.formatted(hostname));
        Files.writeString(resolvConf(), containerResolvConf(hostResolvConf));
        Files.createFile(logFile());
    }

    /**
     * Gives the files the container writes through (its writable layer, the /etc files, the log) to its root, when that
     * is a remapped host user: the container's root could not write them otherwise, nor see / as its own.
     */
    public void handTo(int uid, int gid) throws IOException {
        for (Path p : List.of(upperDir(), workDir(), hostnameFile(), hostsFile(), resolvConf(), logFile())) chown(p, uid, gid);
    }

    static void chown(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** A container in the host's network namespace sees the host's names and resolvers (copies, so it cannot change them). */
    public void shareHostNetworkFiles(Path hostHosts, Path hostResolvConf) throws IOException {
        if (Files.exists(hostHosts)) Files.copy(hostHosts, hostsFile(), StandardCopyOption.REPLACE_EXISTING);
        if (Files.exists(hostResolvConf)) Files.copy(hostResolvConf, resolvConf(), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The host's resolv.conf without loopback name servers (they would point into the container's own
     * network namespace); docker falls back to public resolvers when nothing is left.
     */
    static String containerResolvConf(Path hostResolvConf) throws IOException {
        List<String> lines = Files.exists(hostResolvConf) ? Files.readAllLines(hostResolvConf) : List.of();
        List<String> kept = lines.stream().filter(line -> !isLoopbackNameserver(line)).toList();
        boolean hasNameserver = kept.stream().anyMatch(line -> line.trim().startsWith("nameserver"));
        Stream<String> fallback = hasNameserver ? Stream.empty() : Stream.of("nameserver 8.8.8.8", "nameserver 8.8.4.4");
        return Stream.concat(kept.stream(), fallback).collect(Collectors.joining("\n", "", "\n"));
    }

    private static boolean isLoopbackNameserver(String line) {
        String[] fields = line.trim().split("\\s+");
        return fields.length >= 2 && fields[0].equals("nameserver")
                && (fields[1].startsWith("127.") || fields[1].equals("::1"));
    }

    /** Removes both directories; missing ones are fine (remove is retried after partial failures). */
    public void delete() throws IOException {
        deleteTree(dir);
        deleteTree(layerDir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
