package io.berth.image.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The store's directories on the real filesystem under the test's temp dir. */
class StoreLayoutTest {
    @TempDir
    Path root;

    @Test
    void tmpIsATopOfDirectoryHierarchiesOnExt4() throws Exception {
        assumeTrue(run("stat", "-f", "-c", "%T", root.toString()).startsWith("ext2/ext3"), "needs ext2/3/4 (chattr +T)");
        try (Store store = new Store(root)) {
            String attributes = run("lsattr", "-d", root.resolve("tmp").toString()).split(" ")[0];
            assertTrue(attributes.contains("T"), "lsattr of tmp/: " + attributes);
            assertTrue(Files.isDirectory(LayerStore.tempDiff(store.layers().newTempLayer())));
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
        return output;
    }
}
