package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** The answer to {@code GET /version}: the server's versions and the API versions it speaks. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SystemVersion(
        @JsonProperty("Platform") Platform platform,
        @JsonProperty("Components") List<Component> components,
        @JsonProperty("Version") String version,
        @JsonProperty("ApiVersion") String apiVersion,
        @JsonProperty("MinAPIVersion") String minApiVersion,
        @JsonProperty("GitCommit") String gitCommit,
        @JsonProperty("GoVersion") String goVersion,
        @JsonProperty("Os") String os,
        @JsonProperty("Arch") String arch,
        @JsonProperty("KernelVersion") String kernelVersion,
        @JsonProperty("Experimental") Boolean experimental,
        @JsonProperty("BuildTime") String buildTime) {

    /** The product name, e.g. "Berth Engine". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Platform(@JsonProperty("Name") String name) {
    }

    /** One server part ("Engine", "runc", ...) with free-form details such as ApiVersion and GitCommit. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Component(@JsonProperty("Name") String name,
                            @JsonProperty("Version") String version,
                            @JsonProperty("Details") Map<String, String> details) {
    }
}
