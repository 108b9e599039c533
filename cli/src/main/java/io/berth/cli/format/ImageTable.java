package io.berth.cli.format;

import io.berth.api.model.ImageSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The `images` table: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE; one row per tag, newest image first. */
public final class ImageTable {
    private static final String NONE = "<none>";

    private ImageTable() {
    }

    public static String render(List<ImageSummary> images, Instant now, boolean truncate) {
        return render(images, now, truncate, false);
    }

    /** With {@code digests} (images --digests), a DIGEST column: the repository's digest for each row. */
    public static String render(List<ImageSummary> images, Instant now, boolean truncate, boolean digests) {
        TableWriter table = new TableWriter().row(digests ? List.of("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
                : List.of("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"));
        for (ImageSummary image : newestFirst(images)) {
            String id = truncate ? Identifiers.shortId(image.id()) : image.id();
            String created = image.created() == null ? "" : HumanUnits.ago(Duration.between(Instant.ofEpochSecond(image.created()), now));
            String size = image.size() == null ? "" : HumanUnits.size(image.size());
            for (String[] repositoryAndTag : repositoriesAndTags(image)) {
                table.row(digests ? List.of(repositoryAndTag[0], repositoryAndTag[1], digestOf(image, repositoryAndTag[0]), id, created, size)
                        : List.of(repositoryAndTag[0], repositoryAndTag[1], id, created, size));
            }
        }
        return table.render();
    }

    private static String digestOf(ImageSummary image, String repository) {
        if (image.repoDigests() == null) return NONE;
        return image.repoDigests().stream().filter(d -> d.startsWith(repository + "@"))
                .map(d -> d.substring(d.indexOf('@') + 1)).findFirst().orElse(NONE);
    }

    /** The fields `images --format` templates can name, with docker's column headers. */
    public static final Map<String, String> FIELD_HEADERS = Map.of("ID", "IMAGE ID", "Repository", "REPOSITORY",
            "Tag", "TAG", "Digest", "DIGEST", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE",
            "Containers", "CONTAINERS");

    /** One row per tag, as the values `images --format` templates see. */
    public static List<Map<String, String>> fields(List<ImageSummary> images, Instant now, boolean truncate) {
        List<Map<String, String>> rows = new ArrayList<>();
        for (ImageSummary image : newestFirst(images)) {
            for (String[] repositoryAndTag : repositoriesAndTags(image)) {
                Map<String, String> fields = new LinkedHashMap<>();
                fields.put("ID", truncate ? Identifiers.shortId(image.id()) : image.id());
                fields.put("Repository", repositoryAndTag[0]);
                fields.put("Tag", repositoryAndTag[1]);
                fields.put("Digest", image.repoDigests() == null || image.repoDigests().isEmpty() ? NONE
                        : image.repoDigests().getFirst().substring(image.repoDigests().getFirst().indexOf('@') + 1));
                fields.put("CreatedSince", image.created() == null ? "" : HumanUnits.ago(Duration.between(Instant.ofEpochSecond(image.created()), now)));
                fields.put("CreatedAt", image.created() == null ? "" : Timestamps.goDefault(Instant.ofEpochSecond(image.created())));
                fields.put("Size", image.size() == null ? "" : HumanUnits.size(image.size()));
                fields.put("Containers", image.containers() == null || image.containers() < 0 ? "N/A" : image.containers().toString());
                rows.add(fields);
            }
        }
        return rows;
    }

    /** Unique ids, as `images -q` prints them. */
    public static List<String> ids(List<ImageSummary> images, boolean truncate) {
        Set<String> ids = new LinkedHashSet<>();
        for (ImageSummary image : newestFirst(images)) {
            ids.add(truncate ? Identifiers.shortId(image.id()) : image.id());
        }
        return List.copyOf(ids);
    }

    private static List<ImageSummary> newestFirst(List<ImageSummary> images) {
        return images.stream()
                .sorted(Comparator.comparing((ImageSummary image) -> image.created() == null ? 0L : image.created()).reversed())
                .toList();
    }

    private static List<String[]> repositoriesAndTags(ImageSummary image) {
        List<String> tags = image.repoTags() == null ? List.of() : image.repoTags().stream().filter(tag -> !tag.equals("<none>:<none>")).toList();
        if (!tags.isEmpty()) {
            return tags.stream().map(ImageTable::splitTag).toList();
        }
        List<String> digests = image.repoDigests() == null ? List.of() : image.repoDigests().stream().filter(d -> !d.startsWith("<none>")).toList();
        if (!digests.isEmpty()) {
            return digests.stream().map(digest -> digest.substring(0, digest.indexOf('@'))).distinct()
                    .map(repository -> new String[]{repository, NONE}).toList();
        }
        return List.<String[]>of(new String[]{NONE, NONE});
    }

    private static String[] splitTag(String repoTag) {
        int colon = repoTag.lastIndexOf(':');
        return colon > repoTag.lastIndexOf('/') ? new String[]{repoTag.substring(0, colon), repoTag.substring(colon + 1)}
                : new String[]{repoTag, NONE};
    }
}
