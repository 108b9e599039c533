package io.berth.oci.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** One mount made inside the container, in order; {@code options} are mount(8) style ("nosuid", "rbind", "size=64m"). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Mount(String destination, String type, String source, List<String> options) {}
