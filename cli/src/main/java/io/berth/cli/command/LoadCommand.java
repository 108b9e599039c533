package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** `berth load [-i FILE] [-q]`: streams an image archive to the daemon and prints its "Loaded image: ..." lines. */
@Command(name = "load", description = "Load an image from a tar archive or STDIN")
final class LoadCommand extends ApiCommand {
    @Option(names = {"-i", "--input"}, description = "Read from tar archive file, instead of STDIN")
    Path input;

    @Option(names = {"-q", "--quiet"}, description = "Suppress the load output")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        String path = EngineClient.query("/images/load", EngineClient.parameters("quiet", quiet ? 1 : null));
        try (InputStream archive = open();
             ApiResponse response = client().open(ApiRequest.postStream(path, "application/x-tar", archive));
             MappingIterator<JsonNode> lines = client().mapper().readerFor(JsonNode.class).readValues(response.body())) {
            while (lines.hasNextValue()) {
                JsonNode line = lines.nextValue();
                if (line.hasNonNull("error")) throw new DaemonErrorException(500, line.get("error").asText());
                if (!quiet && line.hasNonNull("stream")) out().print(line.get("stream").asText());
            }
        }
        out().flush();
        return 0;
    }

    private InputStream open() throws IOException {
        if (input == null) {
            if (System.console() != null && System.console().isTerminal()) {
                throw new IllegalArgumentException("requested load from stdin, but stdin is empty");
            }
            return System.in;
        }
        try {
            return Files.newInputStream(input);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("open " + input + ": no such file or directory");
        }
    }
}
