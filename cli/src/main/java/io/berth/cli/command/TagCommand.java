package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** `berth tag SOURCE TARGET`: gives an image another name. */
@Command(name = "tag", description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")
final class TagCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "SOURCE_IMAGE[:TAG]")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET_IMAGE[:TAG]")
    String target;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = ImageReference.parse(target);
        if (reference.digest() != null) {
            throw new IllegalArgumentException("refusing to create a tag with a digest reference");
        }
        client().call(ApiRequest.post(EngineClient.query("/images/" + EngineClient.segment(source) + "/tag",
                EngineClient.parameters("repo", reference.familiarName(), "tag", reference.tag()))));
        return 0;
    }
}
