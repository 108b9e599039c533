package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.HumanUnits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** `berth image prune [-a] [-f]`: removes dangling images, or with -a every image no container uses. */
@Command(name = "prune", description = "Remove unused images")
final class ImagePruneCommand extends ApiCommand {
    @Option(names = {"-a", "--all"}, description = "Remove all unused images, not just dangling ones")
    boolean all;

    @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
    boolean force;

    @Override
    public Integer call() throws IOException {
        if (!force && !confirmed()) return 0;
        String filters = all ? client().mapper().writeValueAsString(Map.of("dangling", java.util.List.of("false"))) : null;
        JsonNode answer = client().call(ApiRequest.post(EngineClient.query("/images/prune",
                EngineClient.parameters("filters", filters))), JsonNode.class);
        JsonNode deleted = answer.path("ImagesDeleted");
        if (deleted.isArray() && !deleted.isEmpty()) {
            out().println("Deleted Images:");
            for (JsonNode item : deleted) {
                item.properties().forEach(e -> out().println(e.getKey().toLowerCase() + ": " + e.getValue().asText()));
            }
            out().println();
        }
        out().println("Total reclaimed space: " + HumanUnits.preciseSize(answer.path("SpaceReclaimed").asLong()));
        return 0;
    }

    /** docker's prompt; anything but y/Y declines. */
    private boolean confirmed() throws IOException {
        out().println(all ? "WARNING! This will remove all images without at least one container associated to them."
                : "WARNING! This will remove all dangling images.");
        out().print("Are you sure you want to continue? [y/N] ");
        out().flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return answer != null && answer.strip().equalsIgnoreCase("y");
    }
}
