package io.berth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.format.HumanUnits;
import io.berth.cli.format.TableWriter;
import picocli.CommandLine.Command;

import java.io.IOException;

/** `berth system df`: docker's summary of images, containers, volumes and build cache with what is reclaimable. */
@Command(name = "df", description = "Show docker disk usage")
final class SystemDfCommand extends ApiCommand {
    @Override
    public Integer call() throws IOException {
        JsonNode usage = client().getJson("/system/df", JsonNode.class);
        long imagesSize = 0;
        long imagesReclaimable = 0;
        int activeImages = 0;
        for (JsonNode image : usage.path("Images")) {
            long size = image.path("Size").asLong();
            imagesSize += size;
            if (image.path("Containers").asLong() > 0) activeImages++;
            else imagesReclaimable += size;
        }
        long containersSize = 0;
        long containersReclaimable = 0;
        int activeContainers = 0;
        for (JsonNode container : usage.path("Containers")) {
            long size = container.path("SizeRw").asLong();
            containersSize += size;
            if (container.path("State").asText().equals("running")) activeContainers++;
            else containersReclaimable += size;
        }
        out().print(new TableWriter()
                .row("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE")
                .row("Images", Integer.toString(usage.path("Images").size()), Integer.toString(activeImages),
                        HumanUnits.preciseSize(imagesSize), reclaimable(imagesReclaimable, imagesSize))
                .row("Containers", Integer.toString(usage.path("Containers").size()), Integer.toString(activeContainers),
                        HumanUnits.preciseSize(containersSize), reclaimable(containersReclaimable, containersSize))
                .row("Local Volumes", "0", "0", "0B", "0B")
                .row("Build Cache", "0", "0", "0B", "0B")
                .render());
        return 0;
    }

    private static String reclaimable(long bytes, long total) {
        return HumanUnits.preciseSize(bytes) + " (" + (total == 0 ? 0 : bytes * 100 / total) + "%)";
    }
}
