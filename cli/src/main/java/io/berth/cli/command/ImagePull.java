package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageReference;
import io.berth.cli.format.ProgressPrinter;

import java.io.IOException;
import java.io.PrintStream;

/**
 * Pulls an image through the daemon, printing its progress stream (stdout for `pull`, stderr for `run`):
 * per-layer bars redrawn in place when that stream is a terminal, plain lines otherwise.
 */
final class ImagePull {
    private final EngineClient client;
    private final PrintStream progress;

    ImagePull(EngineClient client, PrintStream progress) {
        this.client = client;
        this.progress = progress;
    }

    void pull(ImageReference reference) throws IOException {
        pull(reference, null, null);
    }

    /** With the platform ("os/arch[/variant]", null for the daemon's) and X-Registry-Auth (null for none). */
    void pull(ImageReference reference, String platform, String registryAuth) throws IOException {
        pull(reference.familiarName(), reference.digest() != null ? reference.digest() : reference.tag(), platform, registryAuth);
    }

    /** Without a tag the daemon pulls every tag of the repository. */
    void pullAllTags(ImageReference repository, String platform, String registryAuth) throws IOException {
        pull(repository.familiarName(), null, platform, registryAuth);
    }

    private void pull(String name, String tag, String platform, String registryAuth) throws IOException {
        String path = EngineClient.query("/images/create", EngineClient.parameters(
                "fromImage", name, "tag", tag, "platform", platform));
        ApiRequest request = ApiRequest.post(path);
        if (registryAuth != null) request = request.withHeader("X-Registry-Auth", registryAuth);
        try (ApiResponse response = client.open(request)) {
            String error = ProgressPrinter.forStream(client.mapper(), progress).print(response.body());
            if (error != null) {
                throw new DaemonErrorException(500, error);
            }
        }
    }
}
