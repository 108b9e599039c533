package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageReference;
import io.berth.cli.format.ProgressPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth push [-a] NAME[:TAG]`: uploads an image through the daemon, printing its progress stream (bars on a terminal). */
@Command(name = "push", description = "Upload an image to a registry")
final class PushCommand extends ApiCommand {
    @Option(names = {"-a", "--all-tags"}, description = "Push all tags of an image to the repository")
    boolean allTags;

    @Parameters(index = "0", paramLabel = "NAME[:TAG]")
    String image;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = ImageReference.parse(image);
        if (allTags && (image.contains("@") || image.lastIndexOf(':') > image.lastIndexOf('/'))) {
            throw new IllegalArgumentException("tag can't be used with --all-tags/-a");
        }
        // No tag parameter: the daemon pushes every tag of the repository.
        String path = EngineClient.query("/images/" + EngineClient.segment(reference.familiarName()) + "/push",
                EngineClient.parameters("tag", allTags ? null : reference.tag()));
        try (ApiResponse response = client().open(ApiRequest.post(path).withHeader("X-Registry-Auth", registryAuth(reference.domain())))) {
            String error = ProgressPrinter.forStream(client().mapper(), out()).print(response.body());
            if (error != null) {
                throw new DaemonErrorException(500, error);
            }
        }
        return 0;
    }
}
