package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageReference;
import io.berth.cli.format.ProgressPrinter;

import java.io.IOException;
import java.io.PrintStream;

/** Pulls an image through the daemon, printing its progress stream (stdout for `pull`, stderr for `run`). */
final class ImagePull {
    private final EngineClient client;
    private final PrintStream progress;

    ImagePull(EngineClient client, PrintStream progress) {
        this.client = client;
        this.progress = progress;
    }

    void pull(ImageReference reference) throws IOException {
        String path = EngineClient.query("/images/create", EngineClient.parameters(
                "fromImage", reference.familiarName(),
                "tag", reference.digest() != null ? reference.digest() : reference.tag()));
        try (ApiResponse response = client.open(ApiRequest.post(path))) {
            String error = new ProgressPrinter(client.mapper(), progress).print(response.body());
            if (error != null) {
                throw new DaemonErrorException(500, error);
            }
        }
    }
}
