package io.berth.image;

/**
 * One progress event of a pull or push, shaped like docker's JSON progress stream: {@code id} is a
 * 12-hex short layer id, the tag, or null for the final "Digest:"/"Status:" lines. A {@code message}
 * ("latest: Pulling from library/busybox") is a line of its own; every other event with an id updates
 * that layer's line, which docker's stream marks with a progressDetail object (empty without counts)
 * and its CLI redraws in place on a terminal.
 */
public record PullProgress(String id, String status, Long current, Long total, boolean message) {
    public PullProgress(String id, String status, Long current, Long total) {
        this(id, status, current, total, id == null);
    }

    /** A status of one layer. */
    public static PullProgress of(String id, String status) {
        return new PullProgress(id, status, null, null);
    }

    /** A line of its own, not a layer's progress (docker's progress.Message). */
    public static PullProgress message(String id, String status) {
        return new PullProgress(id, status, null, null, true);
    }
}
