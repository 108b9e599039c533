package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth diff CONTAINER`: docker's "C /path", "A /path", "D /path" lines. */
@Command(name = "diff", description = "Inspect changes to files or directories on a container's filesystem")
final class DiffCommand extends ApiCommand {
    private static final String KINDS = "CAD";

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws IOException {
        JsonNode changes = client().getJson("/containers/" + EngineClient.segment(container) + "/changes", JsonNode.class);
        for (JsonNode change : changes) {
            int kind = change.path("Kind").asInt();
            out().println((kind >= 0 && kind < KINDS.length() ? KINDS.charAt(kind) : '?') + " " + change.path("Path").asText());
        }
        return 0;
    }
}
