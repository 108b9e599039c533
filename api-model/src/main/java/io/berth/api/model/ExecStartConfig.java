package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The body of {@code POST /exec/{id}/start}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExecStartConfig(
        @JsonProperty("Detach") Boolean detach,
        @JsonProperty("Tty") Boolean tty,
        @JsonProperty("ConsoleSize") List<Integer> consoleSize) {}
