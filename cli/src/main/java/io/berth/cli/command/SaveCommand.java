package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** `berth save [-o FILE] IMAGE...`: the daemon's tar of the images, to a file or to stdout (refused on a terminal, as docker does). */
@Command(name = "save", description = "Save one or more images to a tar archive (streamed to STDOUT by default)")
final class SaveCommand extends ApiCommand {
    @Option(names = {"-o", "--output"}, description = "Write to a file, instead of STDOUT")
    Path output;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "IMAGE")
    List<String> images;

    @Override
    public Integer call() throws IOException {
        if (output == null && root().terminal.stdoutIsTerminal()) {
            throw new IllegalArgumentException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        String path = EngineClient.query("/images/get", EngineClient.parameters("names", images));
        try (ApiResponse response = client().open(ApiRequest.get(path))) {
            ArchiveOutput.write(response, output, out());
        }
        return 0;
    }
}
