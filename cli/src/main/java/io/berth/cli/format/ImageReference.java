package io.berth.cli.format;

/**
 * An image reference split the way docker normalises it: "busybox" is docker.io/library/busybox:latest;
 * a first component with "." or ":" or equal to "localhost" is a registry domain.
 */
public record ImageReference(String domain, String path, String tag, String digest) {
    private static final String DEFAULT_DOMAIN = "docker.io";
    private static final String DEFAULT_TAG = "latest";

    public static ImageReference parse(String reference) {
        if (reference.isEmpty() || !reference.equals(reference.strip())) {
            throw new IllegalArgumentException("invalid reference format: \"" + reference + "\"");
        }
        String rest = reference;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String domain = DEFAULT_DOMAIN;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                domain = first;
                rest = rest.substring(slash + 1);
            }
        }
        if (rest.isEmpty() || !rest.equals(rest.toLowerCase()) || (tag != null && tag.isEmpty())) {
            throw new IllegalArgumentException("invalid reference format: \"" + reference + "\"");
        }
        if (domain.equals(DEFAULT_DOMAIN) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(domain, rest, tag, digest);
    }

    /** The repository as docker shows it: "busybox", "me/app", "localhost:5000/app". */
    public String familiarName() {
        if (domain.equals(DEFAULT_DOMAIN)) {
            return path.startsWith("library/") ? path.substring("library/".length()) : path;
        }
        return domain + "/" + path;
    }

    /** "busybox:latest", as in "Unable to find image 'busybox:latest' locally". */
    public String familiarString() {
        return familiarName() + suffix();
    }

    /** "docker.io/library/busybox:latest", which `docker pull` prints last. */
    public String fullString() {
        return domain + "/" + path + suffix();
    }

    private String suffix() {
        return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
