package io.berth.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.api.model.ContainerSummary;
import io.berth.api.model.ImageSummary;
import io.berth.cli.format.DiskUsageTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** `berth system df [-v]`: docker's summary of images, containers, volumes and build cache, or with -v each item's usage. */
@Command(name = "df", description = "Show docker disk usage")
final class SystemDfCommand extends ApiCommand {
    @Option(names = {"-v", "--verbose"}, description = "Show detailed information on space usage")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        JsonNode answer = client().getJson("/system/df", JsonNode.class);
        DiskUsageTable.Usage usage = new DiskUsageTable.Usage(answer.path("LayersSize").asLong(),
                listOf(answer.path("Images"), new TypeReference<List<ImageSummary>>() {}),
                listOf(answer.path("Containers"), new TypeReference<List<ContainerSummary>>() {}));
        out().print(verbose ? DiskUsageTable.verbose(usage, Instant.now()) : DiskUsageTable.summary(usage));
        return 0;
    }

    /** A section of the answer; a daemon that leaves one out has none of those items. */
    private <T> List<T> listOf(JsonNode section, TypeReference<List<T>> type) {
        return section.isArray() ? client().mapper().convertValue(section, type) : List.of();
    }
}
