package io.berth.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import io.berth.api.model.ImageSummary;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ImageTable;
import io.berth.cli.format.TemplateTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** `berth images [-a] [-q] [--digests] [--no-trunc]`: docker's image table. */
@Command(name = "images", description = "List images")
final class ImagesCommand extends ApiCommand {
    @Option(names = {"-a", "--all"}, description = "Show all images (default hides intermediate images)")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "Only show image IDs")
    boolean quiet;

    @Option(names = "--digests", description = "Show digests")
    boolean digests;

    @Option(names = "--no-trunc", description = "Don't truncate output")
    boolean noTrunc;

    @Option(names = {"-f", "--filter"}, description = "Filter output based on conditions provided (reference=, dangling=, label=, ...)")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", description = "Format output using a Go template, or \"table TEMPLATE\"")
    String format;

    @Parameters(index = "0", arity = "0..1", paramLabel = "REPOSITORY[:TAG]")
    String reference;

    @Override
    public Integer call() throws IOException {
        List<ImageSummary> images = client().getJson(
                EngineClient.query("/images/json", EngineClient.parameters("all", all ? 1 : null,
                        "filters", ListFilters.toJson(withReference(), client().mapper()))),
                new TypeReference<List<ImageSummary>>() {
                });
        if (quiet) {
            ImageTable.ids(images, !noTrunc).forEach(out()::println);
        } else if (format != null) {
            out().print(TemplateTable.render(format, ImageTable.fields(images, Instant.now(), !noTrunc), ImageTable.FIELD_HEADERS));
        } else {
            out().print(ImageTable.render(images, Instant.now(), !noTrunc, digests));
        }
        return 0;
    }

    /** `images busybox` is docker's shorthand for a reference filter. */
    private List<String> withReference() {
        List<String> all = new ArrayList<>(filters);
        if (reference != null) {
            all.add("reference=" + reference);
        }
        return all;
    }
}
