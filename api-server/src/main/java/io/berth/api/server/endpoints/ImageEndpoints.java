package io.berth.api.server.endpoints;

import io.berth.api.model.ContainerConfig;
import io.berth.api.model.GraphDriverData;
import io.berth.api.model.ImageInspect;
import io.berth.api.model.ImageSummary;
import io.berth.api.model.ProgressMessage;
import io.berth.api.server.http.Exchange;
import io.berth.api.server.http.Route;
import io.berth.engine.Engine;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.image.Image;
import io.berth.oci.Digest;
import io.berth.oci.reference.ImageReference;
import io.netty.handler.codec.http.HttpMethod;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.image.CommitRequest;
import io.berth.image.ImageService;
import io.berth.image.PullOptions;
import io.berth.image.PushOptions;
import io.berth.image.registry.Credentials;
import io.berth.oci.image.Platform;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.function.Predicate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * /images/...: pull and push (with X-Registry-Auth), import, list with filters, inspect, tag, remove,
 * history, prune, save and load, and /commit (a container's changes as a new image).
 */
public final class ImageEndpoints {
    private final Engine engine;

    public ImageEndpoints(Engine engine) {
        this.engine = engine;
    }

    public List<Route> routes() {
        return List.of(
                Route.streaming(HttpMethod.POST, "/images/create", this::create),
                Route.of(HttpMethod.GET, "/images/json", this::list),
                Route.of(HttpMethod.POST, "/images/prune", this::prune),
                Route.of(HttpMethod.GET, "/images/get", ex -> save(ex, ex.queryAll("names"))),
                Route.streaming(HttpMethod.POST, "/images/load", this::load),
                Route.of(HttpMethod.POST, "/commit", this::commit),
                Route.of(HttpMethod.GET, "/images/{name*}/history", this::history),
                Route.of(HttpMethod.GET, "/images/{name*}/get", ex -> save(ex, List.of(ex.path("name")))),
                Route.of(HttpMethod.GET, "/images/{name*}/json", this::inspect),
                Route.of(HttpMethod.POST, "/images/{name*}/tag", this::tag),
                Route.of(HttpMethod.POST, "/images/{name*}/push", this::push),
                Route.of(HttpMethod.DELETE, "/images/{name*}", this::remove));
    }

    /** fromImage pulls; fromSrc=- imports the request body as a root filesystem tar. */
    private void create(Exchange ex) throws Exception {
        Optional<String> fromImage = ex.query("fromImage").filter(s -> !s.isEmpty());
        Optional<String> fromSrc = ex.query("fromSrc").filter(s -> !s.isEmpty());
        if (fromImage.isPresent()) {
            String tag = ex.query("tag", "");
            PullOptions options = new PullOptions(platform(ex), auth(ex));
            // The API's rule: no tag anywhere means every tag of the repository (docker pull --all-tags).
            if (tag.isEmpty() && !hasTagOrDigest(fromImage.get())) {
                pullAllTags(ex, ImageReference.parse(fromImage.get()), options);
            } else {
                pull(ex, reference(fromImage.get(), tag), options);
            }
        } else if (fromSrc.isPresent()) {
            if (!fromSrc.get().equals("-")) throw new InvalidArgumentException("importing from a URL is not supported: " + fromSrc.get());
            importRootfs(ex);
        } else {
            throw new InvalidArgumentException("either fromImage or fromSrc must be given");
        }
    }

    /** A name plus docker's separate tag parameter, which may also be a digest. */
    private static ImageReference reference(String name, String tag) {
        if (tag.isEmpty()) return ImageReference.parse(name);
        return ImageReference.parse(name + (tag.contains(":") ? "@" : ":") + tag);
    }

    private static Platform platform(Exchange ex) {
        return ex.query("platform").filter(s -> !s.isBlank()).map(Platform::parse).orElse(PullOptions.defaults().platform());
    }

    private static Credentials.AuthConfig auth(Exchange ex) {
        return RegistryAuth.fromHeader(ex.requestHeader(RegistryAuth.HEADER), ex.mapper())
                .map(RegistryAuth::toAuthConfig).orElse(null);
    }

    private void pull(Exchange ex, ImageReference ref, PullOptions options) {
        try (ProgressStream progress = new ProgressStream(ex)) {
            try {
                engine.images().pull(ref, options, progress);
            } catch (RuntimeException e) {
                if (!progress.reportIfStarted(e)) throw e;
            }
        }
    }

    private void pullAllTags(Exchange ex, ImageReference repository, PullOptions options) {
        List<String> tags = engine.remoteTags(repository, options.auth());
        if (tags.isEmpty()) throw new NotFoundException("repository " + repository.familiarRepository() + " not found or has no tags");
        try (ProgressStream progress = new ProgressStream(ex)) {
            try {
                for (String tag : tags) engine.images().pull(repository.withTag(tag), options, progress);
            } catch (RuntimeException e) {
                if (!progress.reportIfStarted(e)) throw e;
            }
        }
    }

    private void importRootfs(Exchange ex) {
        Optional<ImageReference> tag = ex.query("repo").filter(s -> !s.isEmpty()).map(repo -> reference(repo, ex.query("tag", "")));
        try (ProgressStream progress = new ProgressStream(ex)) {
            try {
                Image image = engine.images().importRootfs(ex.bodyStream(), tag, ex.query("message", ""));
                progress.send(ProgressMessage.status(image.id().toString()));
            } catch (RuntimeException e) {
                if (!progress.reportIfStarted(e)) throw e;
            }
        }
    }

    /** Without a tag in the name or the tag parameter, docker pushes every tag of the repository (push -a). */
    private void push(Exchange ex) {
        String name = ex.path("name");
        String tag = ex.query("tag", "");
        boolean allTags = tag.isEmpty() && !hasTagOrDigest(name);
        ImageReference ref = reference(name, tag);
        PushOptions options = new PushOptions(auth(ex), allTags);
        try (ProgressStream progress = new ProgressStream(ex)) {
            try {
                engine.images().push(ref, options, progress);
            } catch (RuntimeException e) {
                if (!progress.reportIfStarted(e)) throw e;
            }
        }
    }

    private static boolean hasTagOrDigest(String name) {
        return name.contains("@") || name.lastIndexOf(':') > name.lastIndexOf('/');
    }

    private void list(Exchange ex) throws Exception {
        String filters = ex.query("filters", "");
        Predicate<Image> filter = ImageFilters.parse(filters, ex.mapper(), engine.images()::resolve);
        // As dockerd: an untagged image that others were made from (a commit's parent) is listed only with all=1.
        Set<Digest> parents = ex.flag("all") ? Set.of() : engine.images().parentIds();
        List<Image> matching = new ArrayList<>();
        for (Image image : engine.images().list()) {
            boolean hiddenParent = parents.contains(image.id()) && image.repoTags().isEmpty() && image.repoDigests().isEmpty();
            if (!hiddenParent && filter.test(image)) matching.add(ImageFilters.withMatchingTags(image, filters, ex.mapper()));
        }
        List<ImageSummary> rows = matching.stream()
                .sorted((a, b) -> b.created().compareTo(a.created()))
                .map(image -> new ImageSummary(image.id().toString(), "", image.repoTags(), image.repoDigests(),
                        image.created().getEpochSecond(), image.size(), -1L, null, labels(image), -1L))
                .toList();
        ex.json(200, rows);
    }

    private void inspect(Exchange ex) throws Exception {
        Image image = engine.images().resolve(ex.path("name"));
        var config = image.config();
        List<Path> layers = engine.images().layerDirs(image);
        Map<String, String> driverData = layers.isEmpty() ? Map.of() : Map.of(
                "LowerDir", layers.reversed().stream().map(Path::toString).collect(Collectors.joining(":")));
        String parent = engine.images().parentOf(image).map(Digest::toString).orElse("");
        ex.json(200, new ImageInspect(image.id().toString(), image.repoTags(), image.repoDigests(), parent, comment(config),
                image.created().toString(), "", config.author() == null ? "" : config.author(),
                imageConfig(ex, config.config()), config.architecture(), config.variant(), config.os(), null, image.size(),
                null, new GraphDriverData("overlay2", driverData),
                new ImageInspect.RootFS("layers", config.diffIds().stream().map(Digest::toString).toList()),
                new ImageInspect.Metadata(null)));
    }

    /** docker shows the message of the step that made the image (commit -m, import -m) as its Comment. */
    private static String comment(io.berth.oci.image.ImageConfig config) {
        if (config.history() == null || config.history().isEmpty()) return "";
        String comment = config.history().getLast().comment();
        return comment == null ? "" : comment;
    }

    /** The image's container defaults in the API's ContainerConfig shape (same JSON names). */
    private static ContainerConfig imageConfig(Exchange ex, io.berth.oci.image.ImageConfig.ContainerConfig config) {
        return config == null ? null : ex.mapper().convertValue(config, ContainerConfig.class);
    }

    private static Map<String, String> labels(Image image) {
        var c = image.config().config();
        return c == null || c.labels() == null ? Map.of() : c.labels();
    }

    /** docker history: newest step first; Created in Unix seconds, Tags only on the image's own entry. */
    private void history(Exchange ex) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ImageService.HistoryEntry entry : engine.images().history(ex.path("name"))) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("Id", entry.id());
            row.put("Created", entry.created() == null ? 0 : entry.created().getEpochSecond());
            row.put("CreatedBy", entry.createdBy() == null ? "" : entry.createdBy());
            row.put("Tags", entry.tags().isEmpty() ? null : entry.tags());
            row.put("Size", entry.size());
            row.put("Comment", entry.comment() == null ? "" : entry.comment());
            rows.add(row);
        }
        ex.json(200, rows);
    }

    /** filters={"dangling":["false"]} prunes every image no container uses (prune -a). */
    private void prune(Exchange ex) throws Exception {
        JsonNode filters = ex.mapper().readTree(ex.query("filters", "{}").isBlank() ? "{}" : ex.query("filters", "{}"));
        boolean all = false;
        for (JsonNode value : filters.path("dangling").isArray() ? filters.path("dangling") : ex.mapper().createArrayNode()) {
            all = value.asText().equals("false") || value.asText().equals("0");
        }
        if (filters.path("dangling").isObject()) all = filters.path("dangling").has("false");
        ImageService.PruneResult result = engine.pruneImages(all);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ImagesDeleted", result.deleted().stream().map(ImageEndpoints::deleteResponseItem).toList());
        answer.put("SpaceReclaimed", result.spaceReclaimed());
        ex.json(200, answer);
    }

    /**
     * docker save: every name is resolved first, so a missing image is a 404 before the tar starts;
     * then the archive streams out in chunks.
     */
    private void save(Exchange ex, List<String> names) throws Exception {
        if (names.isEmpty()) throw new InvalidArgumentException("at least one image name must be given (names parameter)");
        for (String name : names) engine.images().resolve(name);
        Exchange.ChunkedStream stream = ex.stream(200, "application/x-tar");
        // A failure mid-way must not end the chunked answer cleanly: the client would take a cut tar for whole.
        try (OutputStream out = new BufferedOutputStream(new ChunkedOutputStream(stream), 1 << 16)) {
            engine.images().save(names, out);
        }
        stream.close();
    }

    /** docker load: the archive streams in; the answer is docker's JSON stream of "Loaded image: ..." lines. */
    private void load(Exchange ex) throws Exception {
        List<String> lines = engine.images().load(ex.bodyStream());
        try (Exchange.ChunkedStream out = ex.stream(200, Exchange.JSON)) {
            for (String line : lines) out.writeJsonLine(Map.of("stream", line + "\n"));
        }
    }

    /** POST /commit?container=&repo=&tag=&comment=&author=&changes=: answers 201 {"Id": "sha256:..."}. */
    private void commit(Exchange ex) throws Exception {
        String container = ex.query("container").filter(s -> !s.isBlank())
                .orElseThrow(() -> new InvalidArgumentException("container must be given (container parameter)"));
        Optional<ImageReference> tag = ex.query("repo").filter(s -> !s.isBlank()).map(repo -> reference(repo, ex.query("tag", "")));
        List<String> changes = ex.queryAll("changes").stream().flatMap(c -> c.lines()).filter(c -> !c.isBlank()).toList();
        Image image = engine.commit(container, new CommitRequest(tag, ex.query("author", ""), ex.query("comment", ""), changes));
        ex.json(201, Map.of("Id", image.id().toString()));
    }

    private void tag(Exchange ex) {
        String repo = ex.query("repo").filter(s -> !s.isEmpty())
                .orElseThrow(() -> new InvalidArgumentException("repository name must be given (repo parameter)"));
        Image image = engine.images().resolve(ex.path("name"));
        engine.images().tag(image, reference(repo, ex.query("tag", "")));
        ex.empty(201);
    }

    private void remove(Exchange ex) throws Exception {
        List<String> removed = engine.removeImage(ex.path("name"), ex.flag("force"));
        ex.json(200, removed.stream().map(ImageEndpoints::deleteResponseItem).toList());
    }

    /** ImageService reports "Untagged: x" / "Deleted: sha256:..." lines; docker answers them as objects. */
    private static Map<String, String> deleteResponseItem(String line) {
        int colon = line.indexOf(": ");
        if (colon > 0) return Map.of(line.substring(0, colon), line.substring(colon + 2));
        return Map.of("Deleted", line);
    }
}
