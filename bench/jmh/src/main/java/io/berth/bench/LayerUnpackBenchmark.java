package io.berth.bench;

import io.berth.image.layer.LayerUnpack;
import io.berth.image.layer.Trees;
import io.berth.oci.image.MediaTypes.LayerCompression;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Time to unpack one layer blob (the whole single pass: hashing, decompression, safe fd-relative
 * extraction) into a fresh directory on the same filesystem. {@code layer} is a .tar or .tar.gz
 * (bench/unpack.sh builds one from this machine's /usr); divide its uncompressed size by the
 * score for MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LayerUnpackBenchmark {
    @Param("")
    public String layer;

    @Param("/var/tmp/berth-unpack-bench")
    public String target;

    private Path dir;

    @Setup(Level.Invocation)
    public void freshDirectory() throws IOException, InterruptedException {
        dir = Files.createDirectories(Path.of(target)).resolve("run-" + System.nanoTime());
        Files.createDirectory(dir);
        // start from clean page cache writeback, as bench/unpack.sh does before each tar -x
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    @TearDown(Level.Invocation)
    public void removeDirectory() throws IOException {
        Trees.delete(dir);
    }

    @Benchmark
    public long unpack() throws IOException {
        LayerCompression compression = layer.endsWith(".gz") ? LayerCompression.GZIP
                : layer.endsWith(".zst") ? LayerCompression.ZSTD : LayerCompression.NONE;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(layer)), 1 << 16)) {
            return LayerUnpack.run(in, compression, null, null, -1, null, dir, count -> {}).unpackedSize();
        }
    }
}
