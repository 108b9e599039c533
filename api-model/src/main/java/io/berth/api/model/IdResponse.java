package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** docker's IDResponse: the answer of exec create (and other creates that only return an id). */
public record IdResponse(@JsonProperty("Id") String id) {}
