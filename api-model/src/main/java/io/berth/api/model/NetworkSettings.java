package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** The network state of a container in inspect; Ports maps "80/tcp" to its host bindings (null value: exposed only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkSettings(
        @JsonProperty("Bridge") String bridge,
        @JsonProperty("SandboxID") String sandboxId,
        @JsonProperty("SandboxKey") String sandboxKey,
        @JsonProperty("Ports") Map<String, List<PortBinding>> ports,
        @JsonProperty("Gateway") String gateway,
        @JsonProperty("IPAddress") String ipAddress,
        @JsonProperty("IPPrefixLen") Integer ipPrefixLen,
        @JsonProperty("MacAddress") String macAddress,
        @JsonProperty("Networks") Map<String, EndpointSettings> networks) {
}
