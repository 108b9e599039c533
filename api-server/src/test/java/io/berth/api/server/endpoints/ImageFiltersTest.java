package io.berth.api.server.endpoints;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.Image;
import io.berth.oci.Digest;
import io.berth.oci.image.ImageConfig;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

class ImageFiltersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Image OLD = image("a", List.of("busybox:latest"), Map.of("team", "x"), 100);
    private static final Image MID = image("b", List.of("127.0.0.1:5000/it/tags:a"), Map.of(), 200);
    private static final Image NEW = image("c", List.of(), Map.of("team", "y"), 300);
    private static final List<Image> ALL = List.of(OLD, MID, NEW);

    private static Image image(String hexChar, List<String> tags, Map<String, String> labels, long created) {
        var config = new ImageConfig(null, null, "amd64", "linux", null,
                new ImageConfig.ContainerConfig(null, null, null, null, null, null, null, labels, null), null, null);
        return new Image(Digest.ofHex(hexChar.repeat(64)), config, tags, List.of(), 1, Instant.ofEpochSecond(created));
    }

    private static List<Image> filter(String json) throws Exception {
        Predicate<Image> p = ImageFilters.parse(json, JSON, name -> ALL.stream()
                .filter(i -> i.repoTags().contains(name)).findFirst().orElseThrow());
        return ALL.stream().filter(p).toList();
    }

    @Test
    void referenceGlobsMatchRepositoryWithOrWithoutTag() throws Exception {
        assertEquals(List.of(OLD), filter("{\"reference\":[\"busy*\"]}"));
        assertEquals(List.of(OLD), filter("{\"reference\":{\"busybox:lat?st\":true}}"));
        assertEquals(List.of(MID), filter("{\"reference\":[\"127.0.0.1:5000/it/*\"]}"));
        assertEquals(List.of(), filter("{\"reference\":[\"*\"],\"dangling\":[\"true\"]}"));
    }

    @Test
    void danglingLabelBeforeAndSince() throws Exception {
        assertEquals(List.of(NEW), filter("{\"dangling\":[\"true\"]}"));
        assertEquals(List.of(OLD, MID), filter("{\"dangling\":[\"false\"]}"));
        assertEquals(List.of(OLD, NEW), filter("{\"label\":[\"team\"]}"));
        assertEquals(List.of(NEW), filter("{\"label\":[\"team=y\"]}"));
        assertEquals(List.of(OLD), filter("{\"before\":[\"127.0.0.1:5000/it/tags:a\"]}"));
        assertEquals(List.of(MID, NEW), filter("{\"since\":[\"busybox:latest\"]}"));
        assertEquals(ALL, filter(""));
    }

    @Test
    void unknownFiltersAndBadValuesAreRefused() {
        assertThrows(InvalidArgumentException.class, () -> filter("{\"color\":[\"red\"]}"));
        assertThrows(InvalidArgumentException.class, () -> filter("{\"dangling\":[\"maybe\"]}"));
    }

    @Test
    void aReferenceFilterNarrowsTheTagsShown() throws Exception {
        Image tagged = image("d", List.of("busybox:latest", "127.0.0.1:5000/it/busybox:v1", "other:1"), Map.of(), 1);
        Image many = new Image(tagged.id(), tagged.config(), tagged.repoTags(),
                List.of("busybox@sha256:" + "e".repeat(64), "other@sha256:" + "e".repeat(64)), 1, tagged.created());
        Image narrowed = ImageFilters.withMatchingTags(many, "{\"reference\":[\"busybox\",\"*/it/*\"]}", JSON);
        assertEquals(List.of("busybox:latest", "127.0.0.1:5000/it/busybox:v1"), narrowed.repoTags());
        assertEquals(List.of("busybox@sha256:" + "e".repeat(64)), narrowed.repoDigests());
        assertEquals(many.repoTags(), ImageFilters.withMatchingTags(many, "{\"dangling\":[\"false\"]}", JSON).repoTags());
    }
}
