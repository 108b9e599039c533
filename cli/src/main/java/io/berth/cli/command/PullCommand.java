package io.berth.cli.command;

import io.berth.cli.format.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth pull [-a] [--platform P] IMAGE`: pulls through the daemon, printing its progress and then the full reference. */
@Command(name = "pull", description = "Download an image from a registry")
final class PullCommand extends ApiCommand {
    @Option(names = {"-a", "--all-tags"}, description = "Download all tagged images in the repository")
    boolean allTags;

    @Option(names = "--platform", description = "Set platform if server is multi-platform capable")
    String platform;

    @Parameters(index = "0", paramLabel = "NAME[:TAG|@DIGEST]")
    String image;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = ImageReference.parse(image);
        if (allTags) {
            if (image.contains("@") || image.lastIndexOf(':') > image.lastIndexOf('/')) {
                throw new IllegalArgumentException("tag can't be used with --all-tags/-a");
            }
            new ImagePull(client(), out()).pullAllTags(reference, platform, registryAuth(reference.domain()));
            out().println(reference.domain() + "/" + reference.path());
            return 0;
        }
        new ImagePull(client(), out()).pull(reference, platform, registryAuth(reference.domain()));
        out().println(reference.fullString());
        return 0;
    }
}
