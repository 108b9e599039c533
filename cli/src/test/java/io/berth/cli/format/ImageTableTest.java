package io.berth.cli.format;

import io.berth.api.model.ImageSummary;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ImageTableTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000);

    private static ImageSummary image(String hex, long ageSeconds, long size, List<String> tags, List<String> digests) {
        return new ImageSummary("sha256:" + hex, "", tags, digests, NOW.getEpochSecond() - ageSeconds, size, -1L, null, null, -1L);
    }

    @Test
    void rendersOneRowPerTagNewestFirst() {
        List<ImageSummary> images = List.of(
                image("84f3a9c3759f" + "0".repeat(52), 7200, 1_990_656, List.of("busybox:latest", "localhost:5999/busybox:1"), List.of()),
                image("aaaaaaaaaaaa" + "0".repeat(52), 30, 4_261_235, List.of(), List.of("me/app@sha256:" + "d".repeat(64))),
                image("bbbbbbbbbbbb" + "0".repeat(52), 90, 100, List.of(), List.of()));
        assertEquals("""
                REPOSITORY               TAG       IMAGE ID       CREATED              SIZE
                me/app                   <none>    aaaaaaaaaaaa   30 seconds ago       4.26MB
                <none>                   <none>    bbbbbbbbbbbb   About a minute ago   100B
                busybox                  latest    84f3a9c3759f   2 hours ago          1.99MB
                localhost:5999/busybox   1         84f3a9c3759f   2 hours ago          1.99MB
                """, ImageTable.render(images, NOW, true));
    }

    @Test
    void quietListsEachImageOnce() {
        List<ImageSummary> images = List.of(image("84f3a9c3759f" + "0".repeat(52), 10, 1, List.of("a:1", "b:2"), List.of()));
        assertEquals(List.of("84f3a9c3759f"), ImageTable.ids(images, true));
        assertEquals(List.of("sha256:84f3a9c3759f" + "0".repeat(52)), ImageTable.ids(images, false));
    }

    @Test
    void digestsAddTheRepositorysDigestColumn() {
        String digest = "sha256:" + "d".repeat(64);
        List<ImageSummary> images = List.of(image("84f3a9c3759f" + "0".repeat(52), 60, 100,
                List.of("busybox:latest", "other:1"), List.of("busybox@" + digest)));
        assertEquals("""
                REPOSITORY   TAG       DIGEST                                                                    IMAGE ID       CREATED              SIZE
                busybox      latest    %s   84f3a9c3759f   About a minute ago   100B
                other        1         <none>                                                                    84f3a9c3759f   About a minute ago   100B
                """.formatted(digest), ImageTable.render(images, NOW, true, true));
    }
}
