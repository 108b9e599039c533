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
import io.berth.image.Image;
import io.berth.oci.Digest;
import io.berth.oci.reference.ImageReference;
import io.netty.handler.codec.http.HttpMethod;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** /images/...: pull and import, list, inspect, tag, remove. */
public final class ImageEndpoints {
    private final Engine engine;

    public ImageEndpoints(Engine engine) {
        this.engine = engine;
    }

    public List<Route> routes() {
        return List.of(
                Route.streaming(HttpMethod.POST, "/images/create", this::create),
                Route.of(HttpMethod.GET, "/images/json", this::list),
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
            pull(ex, reference(fromImage.get(), ex.query("tag", "")));
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

    private void pull(Exchange ex, ImageReference ref) {
        try (ProgressStream progress = new ProgressStream(ex)) {
            try {
                engine.images().pull(ref, progress);
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

    private void push(Exchange ex) {
        ImageReference ref = reference(ex.path("name"), ex.query("tag", ""));
        try (ProgressStream progress = new ProgressStream(ex)) {
            try {
                engine.images().push(ref, progress);
            } catch (RuntimeException e) {
                if (!progress.reportIfStarted(e)) throw e;
            }
        }
    }

    private void list(Exchange ex) throws Exception {
        List<ImageSummary> rows = engine.images().list().stream()
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
        ex.json(200, new ImageInspect(image.id().toString(), image.repoTags(), image.repoDigests(), "", "",
                image.created().toString(), "", config.author() == null ? "" : config.author(),
                imageConfig(ex, config.config()), config.architecture(), config.variant(), config.os(), null, image.size(),
                null, new GraphDriverData("overlay2", driverData),
                new ImageInspect.RootFS("layers", config.diffIds().stream().map(Digest::toString).toList()),
                new ImageInspect.Metadata(null)));
    }

    /** The image's container defaults in the API's ContainerConfig shape (same JSON names). */
    private static ContainerConfig imageConfig(Exchange ex, io.berth.oci.image.ImageConfig.ContainerConfig config) {
        return config == null ? null : ex.mapper().convertValue(config, ContainerConfig.class);
    }

    private static Map<String, String> labels(Image image) {
        var c = image.config().config();
        return c == null || c.labels() == null ? Map.of() : c.labels();
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
