package io.berth.cli.format;

import io.berth.api.model.ContainerSummary;
import io.berth.api.model.ImageSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * docker system df's tables from GET /system/df: the summary (images counted against LayersSize, what
 * is reclaimable being what no container's image holds uniquely) and -v's per-image, per-container,
 * volume and build cache sections, with docker's columns and size precisions.
 */
public final class DiskUsageTable {
    private static final String NONE = "<none>";

    private DiskUsageTable() {}

    /** The daemon's answer, as far as the tables use it. */
    public record Usage(long layersSize, List<ImageSummary> images, List<ContainerSummary> containers) {}

    public static String summary(Usage usage) {
        long imagesInUse = 0;
        int activeImages = 0;
        for (ImageSummary image : usage.images()) {
            if (containers(image) <= 0) continue;
            activeImages++;
            imagesInUse += value(image.size()) - value(image.sharedSize());
        }
        long containersSize = 0;
        long containersReclaimable = 0;
        int activeContainers = 0;
        for (ContainerSummary container : usage.containers()) {
            long size = value(container.sizeRw());
            containersSize += size;
            if (isActive(container)) activeContainers++;
            else containersReclaimable += size;
        }
        return new TableWriter()
                .row("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE")
                .row("Images", Integer.toString(usage.images().size()), Integer.toString(activeImages),
                        HumanUnits.preciseSize(usage.layersSize()), reclaimable(usage.layersSize() - imagesInUse, usage.layersSize()))
                .row("Containers", Integer.toString(usage.containers().size()), Integer.toString(activeContainers),
                        HumanUnits.preciseSize(containersSize), reclaimable(containersReclaimable, containersSize))
                .row("Local Volumes", "0", "0", "0B", "0B")
                .row("Build Cache", "0", "0", "0B", "0B")
                .render();
    }

    /** docker system df -v. */
    public static String verbose(Usage usage, Instant now) {
        TableWriter images = new TableWriter().row("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
        for (ImageSummary image : usage.images()) {
            String[] repositoryAndTag = firstTag(image);
            long size = value(image.size());
            long shared = value(image.sharedSize());
            images.row(repositoryAndTag[0], repositoryAndTag[1], Identifiers.shortId(image.id()),
                    image.created() == null ? "" : HumanUnits.ago(Duration.between(Instant.ofEpochSecond(image.created()), now)),
                    HumanUnits.size(size), HumanUnits.preciseSize(shared), HumanUnits.preciseSize(size - shared),
                    Long.toString(containers(image)));
        }
        TableWriter containers = new TableWriter().row("CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES");
        for (ContainerSummary container : usage.containers()) {
            containers.row(Identifiers.shortId(container.id()), ContainerTable.image(container, true),
                    ContainerTable.command(container.command(), true), "0", HumanUnits.size(value(container.sizeRw())),
                    container.created() == null ? "" : HumanUnits.ago(Duration.between(Instant.ofEpochSecond(container.created()), now)),
                    container.status() == null ? "" : container.status(), ContainerTable.names(container.names(), true));
        }
        return "Images space usage:\n\n" + images.render()
                + "\nContainers space usage:\n\n" + containers.render()
                + "\nLocal Volumes space usage:\n\n" + new TableWriter().row("VOLUME NAME", "LINKS", "SIZE").render()
                + "\nBuild cache usage: 0B\n\n"
                + new TableWriter().row("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED").render();
    }

    /** Only the first tag is shown; a dangling image is <none> <none>. */
    private static String[] firstTag(ImageSummary image) {
        List<String> tags = image.repoTags() == null ? List.of() : image.repoTags().stream().filter(t -> !t.equals("<none>:<none>")).toList();
        if (tags.isEmpty()) return new String[]{NONE, NONE};
        String tag = tags.getFirst();
        int colon = tag.lastIndexOf(':');
        return colon > tag.lastIndexOf('/') ? new String[]{tag.substring(0, colon), tag.substring(colon + 1)} : new String[]{NONE, NONE};
    }

    /** Running, paused and restarting containers are in use; their writable layers are not reclaimable. */
    private static boolean isActive(ContainerSummary container) {
        String state = container.state() == null ? "" : container.state();
        return state.contains("running") || state.contains("paused") || state.contains("restarting");
    }

    private static long containers(ImageSummary image) {
        return image.containers() == null ? 0 : image.containers();
    }

    private static long value(Long bytes) {
        return bytes == null ? 0 : bytes;
    }

    /** "1.2MB (40%)"; without the share when there is nothing in total, as docker prints it. */
    private static String reclaimable(long bytes, long total) {
        return total > 0 ? HumanUnits.preciseSize(bytes) + " (" + bytes * 100 / total + "%)" : HumanUnits.preciseSize(bytes);
    }
}
