package io.berth.oci.reference;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.Digest;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A normalised image reference: registry domain, repository path, optional tag, optional digest,
 * parsed with the grammar of distribution/reference and docker's normalisation
 * ("busybox" -&gt; docker.io/library/busybox:latest).
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    /** The host that serves docker.io's Distribution API. */
    public static final String DOCKER_HUB_API = "registry-1.docker.io";
    private static final String LEGACY_HUB = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";
    private static final int NAME_MAX = 255;

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+])(?::[0-9]+)?");
    private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern PATH = Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern FULL_HEX_ID = Pattern.compile("[a-f0-9]{64}");

    public ImageReference {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(path, "path");
        if (tag != null && !TAG.matcher(tag).matches()) throw invalid(tag);
    }

    /**
     * Parses and normalises "name[:tag][@digest]"; a reference without tag or digest gets ":latest".
     */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) throw invalid("");
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String digestText = rest.substring(at + 1);
            if (!Digest.isValid(digestText)) throw invalid(text);
            digest = Digest.parse(digestText);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastColon = rest.lastIndexOf(':');
        if (lastColon > rest.lastIndexOf('/')) {
            tag = rest.substring(lastColon + 1);
            rest = rest.substring(0, lastColon);
            if (!TAG.matcher(tag).matches()) throw invalid(text);
        }
        if (FULL_HEX_ID.matcher(rest).matches() && tag == null && digest == null) {
            throw new InvalidArgumentException("invalid repository name (" + rest
                    + "), cannot specify 64-byte hexadecimal strings");
        }
        String domain;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? "" : rest.substring(0, slash);
        boolean hasDomain = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost")
                || !first.toLowerCase(Locale.ROOT).equals(first));
        if (hasDomain) {
            domain = first;
            path = rest.substring(slash + 1);
            if (!DOMAIN.matcher(domain).matches()) throw invalid(text);
        } else {
            domain = DOCKER_HUB;
            path = rest;
        }
        if (domain.equals(LEGACY_HUB)) domain = DOCKER_HUB;
        if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) path = OFFICIAL_PREFIX + path;
        if (!path.toLowerCase(Locale.ROOT).equals(path)) {
            throw new InvalidArgumentException("invalid reference format: repository name (" + path
                    + ") must be lowercase");
        }
        if (!PATH.matcher(path).matches()) throw invalid(text);
        if (domain.length() + 1 + path.length() > NAME_MAX) {
            throw new InvalidArgumentException("invalid reference format: repository name must not be more than "
                    + NAME_MAX + " characters");
        }
        if (tag == null && digest == null) tag = "latest";
        return new ImageReference(domain, path, tag, digest);
    }

    private static InvalidArgumentException invalid(String text) {
        return new InvalidArgumentException("invalid reference format: " + text);
    }

    /** "docker.io/library/busybox": the fully qualified repository name. */
    public String name() {
        return domain + "/" + path;
    }

    /** "busybox", "user/app", "localhost:5000/x": the repository as docker displays it. */
    public String familiarRepository() {
        if (!domain.equals(DOCKER_HUB)) return name();
        return path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) < 0
                ? path.substring(OFFICIAL_PREFIX.length()) : path;
    }

    /** "busybox:latest", "localhost:5000/x:1", "busybox@sha256:...": the reference as docker displays it. */
    public String familiarName() {
        return familiarRepository() + suffix();
    }

    /** The host:port of the registry's API ("registry-1.docker.io" for docker.io). */
    public String registryApiHost() {
        return isDockerHub() ? DOCKER_HUB_API : domain;
    }

    public boolean isDockerHub() {
        return domain.equals(DOCKER_HUB);
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(domain, path, newTag, null);
    }

    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(domain, path, null, newDigest);
    }

    /** The manifest reference to ask the registry for: the digest if there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    private String suffix() {
        return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    @Override
    public String toString() {
        return name() + suffix();
    }
}
