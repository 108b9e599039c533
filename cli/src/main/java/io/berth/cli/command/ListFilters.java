package io.berth.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** "--filter key=value" flags as docker sends them: {"key":{"value":true}}, values of one key being alternatives. */
final class ListFilters {
    private ListFilters() {
    }

    /** The filters query value, or null when there are none. */
    static String toJson(List<String> filters, ObjectMapper mapper) {
        if (filters.isEmpty()) {
            return null;
        }
        Map<String, Map<String, Boolean>> byKey = new LinkedHashMap<>();
        for (String filter : filters) {
            int equals = filter.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("bad format of filter (expected name=value)");
            }
            byKey.computeIfAbsent(filter.substring(0, equals).strip().toLowerCase(Locale.ROOT), key -> new LinkedHashMap<>())
                    .put(filter.substring(equals + 1), true);
        }
        try {
            return mapper.writeValueAsString(byKey);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("filters are plain strings", e);
        }
    }
}
