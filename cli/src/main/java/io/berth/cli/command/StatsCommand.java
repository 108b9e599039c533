package io.berth.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import io.berth.api.model.ContainerStats;
import io.berth.api.model.ContainerSummary;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.StatsTable;
import io.berth.cli.format.TemplateTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * `berth stats`: CPU, memory and process counts of containers (all running ones by default), read
 * once with --no-stream, else refreshed every second until interrupted.
 */
@Command(name = "stats", description = "Display a live stream of container(s) resource usage statistics")
final class StatsCommand extends ApiCommand {
    @Parameters(arity = "0..*", paramLabel = "CONTAINER", description = "Containers (names or ids)")
    List<String> containers = new ArrayList<>();
    @Option(names = "--no-stream", description = "Disable streaming stats and only pull the first result")
    boolean noStream;
    @Option(names = "--no-trunc", description = "Do not truncate output")
    boolean noTrunc;
    @Option(names = "--format", description = "Format output using a Go template, or \"table TEMPLATE\"")
    String format;

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<String> targets = containers.isEmpty() ? running() : containers;
        while (true) {
            List<Map<String, String>> rows = new ArrayList<>();
            for (String container : targets) {
                ContainerStats stats = client().getJson(EngineClient.query("/containers/" + EngineClient.segment(container)
                        + "/stats", EngineClient.parameters("stream", "false")), ContainerStats.class);
                rows.add(StatsTable.fields(stats, container, !noTrunc));
            }
            if (!noStream) out().print("\033[2J\033[H");
            out().print(format == null ? StatsTable.render(rows) : TemplateTable.render(format, rows, StatsTable.FIELD_HEADERS));
            out().flush();
            if (noStream) return 0;
        }
    }

    private List<String> running() throws IOException {
        return client().getJson("/containers/json", new TypeReference<List<ContainerSummary>>() {
        }).stream().map(ContainerSummary::id).toList();
    }
}
