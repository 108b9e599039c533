package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;

/** `berth rmi [-f]`: removes images, printing the daemon's "Untagged:" and "Deleted:" lines. */
@Command(name = "rmi", description = "Remove one or more images")
final class RmiCommand extends ApiCommand {
    @Option(names = {"-f", "--force"}, description = "Force removal of the image")
    boolean force;

    @Option(names = "--no-prune", description = "Do not delete untagged parents")
    boolean noPrune;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> images;

    @Override
    public Integer call() throws IOException {
        int status = 0;
        for (String image : images) {
            try {
                JsonNode removed = client().callTree(ApiRequest.delete(EngineClient.query("/images/" + EngineClient.segment(image),
                        EngineClient.parameters("force", force ? 1 : null, "noprune", noPrune ? 1 : null))));
                for (JsonNode item : removed) {
                    if (item.hasNonNull("Untagged")) {
                        out().println("Untagged: " + item.get("Untagged").asText());
                    }
                    if (item.hasNonNull("Deleted")) {
                        out().println("Deleted: " + item.get("Deleted").asText());
                    }
                }
            } catch (DaemonErrorException e) {
                out().flush();
                err().println("Error response from daemon: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }
}
