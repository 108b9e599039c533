package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageReference;
import io.berth.cli.format.ProgressPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth push NAME[:TAG]`: uploads an image through the daemon, printing its progress stream. */
@Command(name = "push", description = "Upload an image to a registry")
final class PushCommand extends ApiCommand {
    /** Base64 of "{}": no credentials, but docker daemons insist on the header being there. */
    private static final String ANONYMOUS_AUTH = "e30=";

    @Parameters(index = "0", paramLabel = "NAME[:TAG]")
    String image;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = ImageReference.parse(image);
        String path = EngineClient.query("/images/" + EngineClient.segment(reference.familiarName()) + "/push",
                EngineClient.parameters("tag", reference.tag()));
        try (ApiResponse response = client().open(ApiRequest.post(path).withHeader("X-Registry-Auth", ANONYMOUS_AUTH))) {
            String error = new ProgressPrinter(client().mapper(), out()).print(response.body());
            if (error != null) {
                throw new DaemonErrorException(500, error);
            }
        }
        return 0;
    }
}
