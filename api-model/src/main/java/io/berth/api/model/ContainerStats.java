package io.berth.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * One document of {@code GET /containers/{id}/stats}, in docker's snake_case shape. {@code precpu_stats}
 * is the reading before this one, so a client computes CPU % as the ratio of the container's and the
 * system's CPU time deltas times online_cpus. Times are RFC 3339; bytes and nanoseconds are counts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerStats(
        @JsonProperty("read") String read,
        @JsonProperty("preread") String preread,
        @JsonProperty("name") String name,
        @JsonProperty("id") String id,
        @JsonProperty("pids_stats") PidsStats pidsStats,
        @JsonProperty("cpu_stats") CpuStats cpuStats,
        @JsonProperty("precpu_stats") CpuStats precpuStats,
        @JsonProperty("memory_stats") MemoryStats memoryStats,
        @JsonProperty("blkio_stats") Map<String, Object> blkioStats,
        @JsonProperty("num_procs") Integer numProcs) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PidsStats(@JsonProperty("current") Long current, @JsonProperty("limit") Long limit) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CpuStats(@JsonProperty("cpu_usage") CpuUsage cpuUsage,
                           @JsonProperty("system_cpu_usage") Long systemCpuUsage,
                           @JsonProperty("online_cpus") Integer onlineCpus,
                           @JsonProperty("throttling_data") Map<String, Long> throttlingData) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CpuUsage(@JsonProperty("total_usage") Long totalUsage,
                           @JsonProperty("usage_in_kernelmode") Long usageInKernelmode,
                           @JsonProperty("usage_in_usermode") Long usageInUsermode) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MemoryStats(@JsonProperty("usage") Long usage, @JsonProperty("limit") Long limit,
                              @JsonProperty("stats") Map<String, Long> stats) {
    }
}
