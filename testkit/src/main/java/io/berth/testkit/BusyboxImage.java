package io.berth.testkit;

import io.berth.oci.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A single-layer image like docker's busybox, built from Debian's busybox-static: /bin/busybox plus
 * a hard link per applet, minimal /etc/passwd and /etc/group, /tmp 1777; Cmd ["sh"].
 */
public final class BusyboxImage {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private final LayerTar rootfs;
    private final TestImage image;

    private BusyboxImage(LayerTar rootfs) {
        this.rootfs = rootfs;
        this.image = TestImage.of(rootfs);
    }

    /** The root filesystem as a layer builder (add files to derive variants). */
    public static LayerTar rootfs() {
        byte[] binary;
        List<String> applets;
        try {
            binary = Files.readAllBytes(BUSYBOX);
            Process list = new ProcessBuilder(BUSYBOX.toString(), "--list-full").redirectErrorStream(true).start();
            applets = new String(list.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank()).toList();
            if (list.waitFor() != 0) throw new IOException("busybox --list-full failed");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + BUSYBOX, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted listing busybox applets", e);
        }
        LayerTar tar = new LayerTar()
                .dir("bin", 0755).dir("etc", 0755).dir("root", 0700).dir("tmp", 01777)
                .dir("usr", 0755).dir("usr/bin", 0755).dir("usr/sbin", 0755).dir("sbin", 0755)
                .dir("var", 0755).dir("home", 0755).dir("dev", 0755).dir("proc", 0555).dir("sys", 0555)
                .file("bin/busybox", binary, 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")
                .file("etc/group", "root:x:0:\nnobody:x:65534:\n");
        Set<String> dirs = new LinkedHashSet<>(List.of("bin", "usr/bin", "usr/sbin", "sbin"));
        for (String applet : applets) {
            if (applet.equals("bin/busybox")) continue;
            int slash = applet.lastIndexOf('/');
            if (slash > 0 && !dirs.contains(applet.substring(0, slash))) continue; // only the standard bin dirs
            tar.hardlink(applet, "bin/busybox");
        }
        return tar;
    }

    /** Builds the busybox image (linux/amd64, Cmd ["sh"]) in memory. */
    public static BusyboxImage build() {
        return new BusyboxImage(rootfs());
    }

    /** Builds the image and pushes it, e.g. as "library/busybox:latest" so a mirror serves `busybox`. */
    public static TestImage pushTo(TestRegistry registry, String repositoryAndTag) {
        BusyboxImage busybox = build();
        busybox.push(registry, repositoryAndTag);
        return busybox.image();
    }

    public TestImage image() {
        return image;
    }

    /** Pushes as "repository:tag"; returns the manifest digest. */
    public Digest push(TestRegistry registry, String repositoryAndTag) {
        return image.pushTo(registry, repositoryAndTag);
    }

    /** The plain (uncompressed) rootfs tar, for `docker import`. */
    public byte[] rootfsTar() {
        return rootfs.tar();
    }

    public void writeRootfsTar(Path file) {
        try {
            Files.write(file, rootfsTar());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
