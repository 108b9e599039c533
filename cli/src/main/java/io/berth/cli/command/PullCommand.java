package io.berth.cli.command;

import io.berth.cli.format.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth pull IMAGE`: pulls through the daemon, printing its progress and then the full reference. */
@Command(name = "pull", description = "Download an image from a registry")
final class PullCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME[:TAG|@DIGEST]")
    String image;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = ImageReference.parse(image);
        new ImagePull(client(), out()).pull(reference);
        out().println(reference.fullString());
        return 0;
    }
}
