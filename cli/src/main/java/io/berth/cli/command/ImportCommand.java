package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.ApiResponse;
import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ProgressPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** `berth import FILE|URL|- [REPOSITORY[:TAG]]`: makes an image of a root filesystem tar, streamed to the daemon. */
@Command(name = "import", description = "Import the contents from a tarball to create a filesystem image")
final class ImportCommand extends ApiCommand {
    @Option(names = {"-m", "--message"}, description = "Set commit message for imported image")
    String message;

    @Option(names = {"-c", "--change"}, description = "Apply Dockerfile instruction to the created image")
    List<String> changes = new ArrayList<>();

    @Option(names = "--platform", description = "Set platform if server is multi-platform capable")
    String platform;

    @Parameters(index = "0", paramLabel = "file|URL|-")
    String source;

    @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]")
    String reference;

    @Override
    public Integer call() throws IOException {
        boolean remote = source.startsWith("http://") || source.startsWith("https://");
        String repository = reference;
        String tag = null;
        if (reference != null) {
            int colon = reference.lastIndexOf(':');
            if (colon > reference.lastIndexOf('/')) {
                repository = reference.substring(0, colon);
                tag = reference.substring(colon + 1);
            }
        }
        var parameters = EngineClient.parameters("fromSrc", remote ? source : "-", "repo", repository, "tag", tag,
                "message", message, "platform", platform, "changes", changes);
        String path = EngineClient.query("/images/create", parameters);
        try (InputStream tar = remote ? null : open(source);
             ApiResponse response = client().open(remote ? ApiRequest.post(path)
                     : ApiRequest.postStream(path, "application/x-tar", tar))) {
            String error = new ProgressPrinter(client().mapper(), out()).print(response.body());
            if (error != null) {
                throw new DaemonErrorException(500, error);
            }
        }
        return 0;
    }

    private static InputStream open(String source) throws IOException {
        if (source.equals("-")) {
            return System.in;
        }
        try {
            return Files.newInputStream(Path.of(source));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("open " + source + ": no such file or directory");
        }
    }
}
