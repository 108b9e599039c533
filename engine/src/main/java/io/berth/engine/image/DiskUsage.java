package io.berth.engine.image;

import io.berth.engine.container.Container;
import io.berth.image.Image;

import java.util.List;
import java.util.Map;

/**
 * docker system df: the images with how many containers use each, the unpacked layers' bytes on disk
 * (shared layers counted once), and every container with the bytes of its writable layer.
 */
public record DiskUsage(long layersSize, List<ImageUsage> images, List<ContainerUsage> containers) {
    public record ImageUsage(Image image, int containers) {}

    public record ContainerUsage(Container container, long sizeRw) {}

    public static Map<String, Integer> countByImage(List<Container> containers) {
        return containers.stream().collect(java.util.stream.Collectors.toMap(Container::imageId, c -> 1, Integer::sum));
    }
}
