package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of a JSON progress stream (pull, import, push, load): a status for the layer {@code id},
 * an optional progress bar text and counters, or an error that ends the stream. Keys are lower camel case.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProgressMessage(
        @JsonProperty("status") String status,
        @JsonProperty("id") String id,
        @JsonProperty("progress") String progress,
        @JsonProperty("progressDetail") ProgressDetail progressDetail,
        @JsonProperty("error") String error,
        @JsonProperty("errorDetail") ErrorDetail errorDetail,
        @JsonProperty("aux") JsonNode aux) {

    /** A status line with no layer and no progress. */
    public static ProgressMessage status(String status) {
        return new ProgressMessage(status, null, null, null, null, null, null);
    }

    /** A status line about one layer (or image) id. */
    public static ProgressMessage status(String id, String status) {
        return new ProgressMessage(status, id, null, null, null, null, null);
    }

    /** A terminal error line; docker sends the message in both fields. */
    public static ProgressMessage failure(String message) {
        return new ProgressMessage(null, null, null, null, message, new ErrorDetail(null, message), null);
    }

    /** Bytes done and bytes expected; docker always writes the object, as {} when empty. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ProgressDetail(@JsonProperty("current") Long current, @JsonProperty("total") Long total) {
    }

    /** The error of a failed stream. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorDetail(@JsonProperty("code") Integer code, @JsonProperty("message") String message) {
    }
}
