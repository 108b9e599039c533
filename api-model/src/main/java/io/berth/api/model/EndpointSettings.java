package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** A container's attachment to one network, as requested at create and as reported by inspect. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EndpointSettings(
        @JsonProperty("IPAMConfig") Map<String, Object> ipamConfig,
        @JsonProperty("Links") List<String> links,
        @JsonProperty("Aliases") List<String> aliases,
        @JsonProperty("MacAddress") String macAddress,
        @JsonProperty("DriverOpts") Map<String, String> driverOpts,
        @JsonProperty("NetworkID") String networkId,
        @JsonProperty("EndpointID") String endpointId,
        @JsonProperty("Gateway") String gateway,
        @JsonProperty("IPAddress") String ipAddress,
        @JsonProperty("IPPrefixLen") Integer ipPrefixLen,
        @JsonProperty("IPv6Gateway") String ipv6Gateway,
        @JsonProperty("GlobalIPv6Address") String globalIpv6Address,
        @JsonProperty("GlobalIPv6PrefixLen") Integer globalIpv6PrefixLen,
        @JsonProperty("DNSNames") List<String> dnsNames) {
}
