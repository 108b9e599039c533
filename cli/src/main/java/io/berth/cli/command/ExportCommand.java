package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;

/**
 * `berth export [-o FILE] CONTAINER`: the daemon's tar of the container's filesystem, to a file or to
 * stdout (refused on a terminal, as docker does).
 */
@Command(name = "export", description = "Export a container's filesystem as a tar archive")
final class ExportCommand extends ApiCommand {
    @Option(names = {"-o", "--output"}, description = "Write to a file, instead of STDOUT")
    Path output;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws IOException {
        if (output == null && root().terminal.stdoutIsTerminal()) {
            throw new IllegalArgumentException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        String path = "/containers/" + EngineClient.segment(container) + "/export";
        try (ApiResponse response = client().open(ApiRequest.get(path))) {
            ArchiveOutput.write(response, output, out());
        }
        return 0;
    }
}
