package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** `berth commit [-a AUTHOR] [-m MESSAGE] [-c CHANGE]... CONTAINER [REPOSITORY[:TAG]]`: prints the new image's id. */
@Command(name = "commit", description = "Create a new image from a container's changes")
final class CommitCommand extends ApiCommand {
    @Option(names = {"-a", "--author"}, description = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")")
    String author;

    @Option(names = {"-m", "--message"}, description = "Commit message")
    String message;

    @Option(names = {"-c", "--change"}, description = "Apply Dockerfile instruction to the created image")
    List<String> changes = new ArrayList<>();

    @Option(names = {"-p", "--pause"}, negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pause container during commit (default true)")
    boolean pause;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]")
    String reference;

    @Override
    public Integer call() throws IOException {
        String repository = reference;
        String tag = null;
        if (reference != null) {
            int colon = reference.lastIndexOf(':');
            if (colon > reference.lastIndexOf('/')) {
                repository = reference.substring(0, colon);
                tag = reference.substring(colon + 1);
            }
        }
        String path = EngineClient.query("/commit", EngineClient.parameters("container", container, "repo", repository,
                "tag", tag, "comment", message, "author", author, "changes", changes, "pause", pause));
        JsonNode answer = client().call(ApiRequest.postJson(path, "{}".getBytes()), JsonNode.class);
        out().println(answer.path("Id").asText());
        return 0;
    }
}
