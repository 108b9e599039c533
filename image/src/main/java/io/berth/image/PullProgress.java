package io.berth.image;

/**
 * One progress event of a pull or push, shaped like docker's JSON progress stream: {@code id} is a
 * 12-hex short layer id, the tag, or null for the final "Digest:"/"Status:" lines.
 */
public record PullProgress(String id, String status, Long current, Long total) {
    public static PullProgress of(String id, String status) {
        return new PullProgress(id, status, null, null);
    }
}
