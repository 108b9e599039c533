package io.berth.cli.format;

import io.berth.api.model.ContainerStats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * docker stats' columns from one stats document: CPU % from the deltas to precpu_stats scaled by
 * the online CPUs, memory usage without the inactive page cache, against the limit.
 */
public final class StatsTable {
    public static final Map<String, String> FIELD_HEADERS = Map.of("Container", "CONTAINER", "ID", "CONTAINER ID",
            "Name", "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %",
            "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    private static final List<String> DEFAULT_COLUMNS = List.of("ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO",
            "BlockIO", "PIDs");

    private StatsTable() {
    }

    public static Map<String, String> fields(ContainerStats s, String reference, boolean truncate) {
        Map<String, String> fields = new LinkedHashMap<>();
        String id = s.id() == null ? "" : s.id();
        fields.put("Container", reference);
        fields.put("ID", truncate && id.length() > 12 ? id.substring(0, 12) : id);
        fields.put("Name", s.name() == null ? "" : s.name().replaceFirst("^/", ""));
        fields.put("CPUPerc", String.format(Locale.ROOT, "%.2f%%", cpuPercent(s)));
        long limit = s.memoryStats() == null || s.memoryStats().limit() == null ? 0 : s.memoryStats().limit();
        long used = memoryUsed(s);
        fields.put("MemUsage", HumanUnits.binarySize(used) + " / " + HumanUnits.binarySize(limit));
        fields.put("MemPerc", String.format(Locale.ROOT, "%.2f%%", limit == 0 ? 0.0 : 100.0 * used / limit));
        fields.put("NetIO", "0B / 0B");
        fields.put("BlockIO", "0B / 0B");
        fields.put("PIDs", String.valueOf(s.pidsStats() == null || s.pidsStats().current() == null ? 0 : s.pidsStats().current()));
        return fields;
    }

    public static String render(List<Map<String, String>> rows) {
        TableWriter table = new TableWriter().row(DEFAULT_COLUMNS.stream().map(FIELD_HEADERS::get).toList());
        for (Map<String, String> row : rows) table.row(DEFAULT_COLUMNS.stream().map(row::get).toList());
        return table.render();
    }

    static double cpuPercent(ContainerStats s) {
        if (s.cpuStats() == null || s.precpuStats() == null) return 0;
        double cpuDelta = total(s.cpuStats()) - total(s.precpuStats());
        double systemDelta = system(s.cpuStats()) - system(s.precpuStats());
        int cpus = s.cpuStats().onlineCpus() == null ? 1 : s.cpuStats().onlineCpus();
        return cpuDelta > 0 && systemDelta > 0 ? cpuDelta / systemDelta * cpus * 100.0 : 0;
    }

    private static long total(ContainerStats.CpuStats c) {
        return c.cpuUsage() == null || c.cpuUsage().totalUsage() == null ? 0 : c.cpuUsage().totalUsage();
    }

    private static long system(ContainerStats.CpuStats c) {
        return c.systemCpuUsage() == null ? 0 : c.systemCpuUsage();
    }

    /** Usage minus the inactive file cache, which the kernel can drop (v1 and v2 key names). */
    private static long memoryUsed(ContainerStats s) {
        if (s.memoryStats() == null || s.memoryStats().usage() == null) return 0;
        Map<String, Long> detail = s.memoryStats().stats() == null ? Map.of() : s.memoryStats().stats();
        long inactive = detail.getOrDefault("total_inactive_file", detail.getOrDefault("inactive_file", 0L));
        return Math.max(0, s.memoryStats().usage() - inactive);
    }
}
