package io.berth.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import io.berth.api.model.ContainerSummary;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.ContainerTable;
import io.berth.cli.format.Identifiers;
import io.berth.cli.format.TemplateTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** `berth ps [-a] [-q] [--no-trunc]`: docker's container table. */
@Command(name = "ps", description = "List containers")
final class PsCommand extends ApiCommand {
    @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running)")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "Only display container IDs")
    boolean quiet;

    @Option(names = "--no-trunc", description = "Don't truncate output")
    boolean noTrunc;

    @Option(names = {"-f", "--filter"}, description = "Filter output based on conditions provided (name=, id=, status=, label=, ...)")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", description = "Format output using a Go template, or \"table TEMPLATE\"")
    String format;

    @Override
    public Integer call() throws IOException {
        List<ContainerSummary> containers = client().getJson(
                EngineClient.query("/containers/json", EngineClient.parameters("all", all ? 1 : null,
                        "filters", ListFilters.toJson(filters, client().mapper()))),
                new TypeReference<List<ContainerSummary>>() {
                });
        Instant now = Instant.now();
        if (quiet) {
            containers.forEach(container -> out().println(noTrunc ? container.id() : Identifiers.shortId(container.id())));
        } else if (format != null) {
            out().print(TemplateTable.render(format, containers.stream()
                    .map(container -> ContainerTable.fields(container, now, !noTrunc)).toList(), ContainerTable.FIELD_HEADERS));
        } else {
            out().print(ContainerTable.render(containers, now, !noTrunc));
        }
        return 0;
    }
}
