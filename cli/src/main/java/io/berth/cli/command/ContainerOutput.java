package io.berth.cli.command;

import io.berth.cli.client.StreamDemultiplexer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies a container's output stream to the CLI's stdout/stderr: raw with a tty, demultiplexed without. */
final class ContainerOutput {
    private ContainerOutput() {
    }

    static void copy(InputStream stream, boolean tty, OutputStream stdout, OutputStream stderr) throws IOException {
        if (tty) {
            byte[] buffer = new byte[32 * 1024];
            int read;
            while ((read = stream.read(buffer)) != -1) {
                stdout.write(buffer, 0, read);
                stdout.flush();
            }
        } else {
            new StreamDemultiplexer(stdout, stderr).copy(stream);
        }
    }
}
