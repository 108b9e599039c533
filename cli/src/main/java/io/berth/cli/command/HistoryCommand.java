package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.HumanUnits;
import io.berth.cli.format.TableWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/** `berth history [-H] [-q] [--no-trunc] IMAGE`: docker's history table, newest layer first. */
@Command(name = "history", description = "Show the history of an image")
final class HistoryCommand extends ApiCommand {
    private static final int CREATED_BY_WIDTH = 45;

    @Option(names = {"-H", "--human"}, negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Print sizes and dates in human readable format (default true)")
    boolean human;

    @Option(names = {"-q", "--quiet"}, description = "Only show image IDs")
    boolean quiet;

    @Option(names = "--no-trunc", description = "Don't truncate output")
    boolean noTrunc;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String image;

    @Override
    public Integer call() throws IOException {
        JsonNode rows = client().getJson("/images/" + EngineClient.segment(image) + "/history", JsonNode.class);
        if (quiet) {
            rows.forEach(row -> out().println(id(row.path("Id").asText())));
            return 0;
        }
        TableWriter table = new TableWriter().row("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
        Instant now = Instant.now();
        for (JsonNode row : rows) {
            Instant created = Instant.ofEpochSecond(row.path("Created").asLong());
            String createdBy = row.path("CreatedBy").asText().replaceAll("\\s+", " ");
            if (!noTrunc && createdBy.length() > CREATED_BY_WIDTH) createdBy = createdBy.substring(0, CREATED_BY_WIDTH - 1) + "…";
            long size = row.path("Size").asLong();
            table.row(id(row.path("Id").asText()),
                    human ? HumanUnits.ago(Duration.between(created, now)) : created.toString(),
                    createdBy, human ? HumanUnits.size(size) : Long.toString(size), row.path("Comment").asText());
        }
        out().print(table.render());
        return 0;
    }

    private String id(String id) {
        if (noTrunc || !id.startsWith("sha256:")) return id;
        return id.substring("sha256:".length(), "sha256:".length() + 12);
    }
}
