package io.berth.api.server.endpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.Image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The filters of GET /images/json: dangling, reference (globs on repository[:tag]), label (key or
 * key=value), before and since (another image, by creation time). Values of one key are
 * alternatives, except labels, which must all match; keys combine.
 */
final class ImageFilters {
    private ImageFilters() {}

    static Predicate<Image> parse(String json, ObjectMapper mapper, Function<String, Image> resolve) throws IOException {
        if (json == null || json.isBlank()) return image -> true;
        Predicate<Image> all = image -> true;
        for (Map.Entry<String, JsonNode> e : mapper.readTree(json).properties()) {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) e.getValue().forEach(v -> values.add(v.asText()));
            else e.getValue().fieldNames().forEachRemaining(values::add); // the pre-1.25 {"key":{"value":true}} form
            Predicate<Image> one = switch (e.getKey()) {
                case "dangling" -> dangling(values);
                case "reference" -> image -> values.stream().anyMatch(pattern -> matchesReference(image, pattern));
                case "label" -> image -> values.stream().allMatch(label -> hasLabel(image, label));
                case "before" -> image -> values.stream().allMatch(v -> image.created().isBefore(resolve.apply(v).created()));
                case "since" -> image -> values.stream().allMatch(v -> image.created().isAfter(resolve.apply(v).created()));
                default -> throw new InvalidArgumentException("invalid filter '" + e.getKey() + "'");
            };
            all = all.and(one);
        }
        return all;
    }

    private static Predicate<Image> dangling(List<String> values) {
        if (values.size() != 1 || !(values.getFirst().equals("true") || values.getFirst().equals("false")
                || values.getFirst().equals("1") || values.getFirst().equals("0"))) {
            throw new InvalidArgumentException("invalid filter 'dangling=" + String.join(",", values) + "'");
        }
        boolean wanted = values.getFirst().equals("true") || values.getFirst().equals("1");
        return image -> image.repoTags().isEmpty() == wanted;
    }

    static boolean matchesReference(Image image, String pattern) {
        return image.repoTags().stream().anyMatch(tag -> tagMatches(tag, pattern));
    }

    /**
     * As docker does, a reference filter also narrows the RepoTags and RepoDigests shown to the matching ones, so
     * `images busybox` does not list the other names of the same image.
     */
    static Image withMatchingTags(Image image, String json, ObjectMapper mapper) throws IOException {
        if (json == null || json.isBlank()) return image;
        JsonNode references = mapper.readTree(json).path("reference");
        if (references.isMissingNode()) return image;
        List<String> patterns = new ArrayList<>();
        if (references.isArray()) references.forEach(v -> patterns.add(v.asText()));
        else references.fieldNames().forEachRemaining(patterns::add);
        List<String> tags = image.repoTags().stream().filter(tag -> patterns.stream().anyMatch(p -> tagMatches(tag, p))).toList();
        List<String> digests = image.repoDigests().stream()
                .filter(digest -> patterns.stream().anyMatch(p -> tagMatches(digest.replaceFirst("@.*$", ""), p))).toList();
        return new Image(image.id(), image.config(), tags, digests, image.size(), image.created());
    }

    /** docker's path.Match globs against "repository:tag" and against the repository alone. */
    private static boolean tagMatches(String tag, String pattern) {
        Pattern glob = Pattern.compile(glob(pattern));
        int colon = tag.lastIndexOf(':');
        String repository = colon > tag.lastIndexOf('/') ? tag.substring(0, colon) : tag;
        return glob.matcher(tag).matches() || glob.matcher(repository).matches();
    }

    private static String glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            switch (ch) {
                case '*' -> regex.append("[^/]*");
                case '?' -> regex.append("[^/]");
                default -> regex.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return regex.toString();
    }

    private static boolean hasLabel(Image image, String filter) {
        var config = image.config().config();
        Map<String, String> labels = config == null || config.labels() == null ? Map.of() : config.labels();
        String[] kv = filter.split("=", 2);
        String value = labels.get(kv[0]);
        return value != null && (kv.length == 1 || value.equals(kv[1]));
    }
}
