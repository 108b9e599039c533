package io.berth.runtime.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Typed reads from a parsed JSON object; {@code where} names it in errors ("linux.resources"). Absent keys read as null. */
public record JsonObject(Map<?, ?> fields, String where) {
    /** {@code value} as an object, or null when it is null. */
    public static JsonObject of(Object value, String where) {
        if (value == null) return null;
        if (!(value instanceof Map<?, ?> map)) throw new IllegalArgumentException(where + ": expected an object");
        return new JsonObject(map, where);
    }

    public JsonObject object(String key) {
        return of(fields.get(key), where + "." + key);
    }

    public String string(String key) {
        return typed(key, String.class);
    }

    public Boolean bool(String key) {
        return typed(key, Boolean.class);
    }

    public Long longValue(String key) {
        Number n = typed(key, Number.class);
        return n == null ? null : n.longValue();
    }

    public Integer intValue(String key) {
        Long n = longValue(key);
        return n == null ? null : Math.toIntExact(n);
    }

    /** A number that must be there, 0 when absent (the OCI records' primitive fields). */
    public long primitive(String key) {
        Long n = longValue(key);
        return n == null ? 0 : n;
    }

    public List<String> strings(String key) {
        return list(key, (item, where) -> {
            if (!(item instanceof String s)) throw new IllegalArgumentException(where + ": expected a string");
            return s;
        });
    }

    public List<Long> longs(String key) {
        return list(key, (item, where) -> {
            if (!(item instanceof Number n)) throw new IllegalArgumentException(where + ": expected a number");
            return n.longValue();
        });
    }

    public <T> List<T> objects(String key, Function<JsonObject, T> convert) {
        return list(key, (item, where) -> convert.apply(of(item, where)));
    }

    public Map<String, String> stringMap(String key) {
        JsonObject map = object(key);
        if (map == null) return null;
        Map<String, String> out = new LinkedHashMap<>();
        for (Object k : map.fields.keySet()) out.put((String) k, map.string((String) k));
        return out;
    }

    private <T> List<T> list(String key, java.util.function.BiFunction<Object, String, T> convert) {
        Object value = fields.get(key);
        if (value == null) return null;
        if (!(value instanceof List<?> items)) throw new IllegalArgumentException(where + "." + key + ": expected an array");
        List<T> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) out.add(convert.apply(items.get(i), where + "." + key + "[" + i + "]"));
        return out;
    }

    private <T> T typed(String key, Class<T> type) {
        Object value = fields.get(key);
        if (value == null) return null;
        if (!type.isInstance(value))
            throw new IllegalArgumentException(where + "." + key + ": expected " + type.getSimpleName().toLowerCase() + ", got " + value);
        return type.cast(value);
    }
}
