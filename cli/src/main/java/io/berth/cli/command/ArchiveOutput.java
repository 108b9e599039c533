package io.berth.cli.command;

import io.berth.cli.client.ApiResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where `save` and `export` put the daemon's tar: stdout, or with -o a file written as a temporary file beside
 * the target and renamed when complete, so that a failure leaves no partial archive behind.
 */
final class ArchiveOutput {
    private ArchiveOutput() {
    }

    static void write(ApiResponse response, Path output, OutputStream stdout) throws IOException {
        if (output == null) {
            response.body().transferTo(stdout);
            stdout.flush();
            return;
        }
        Path partial = Files.createTempFile(output.toAbsolutePath().getParent(), ".berth-archive-", ".tar");
        try {
            try (OutputStream file = Files.newOutputStream(partial)) {
                response.body().transferTo(file);
            }
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
