package io.berth.cli.format;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Go's text/template that scripts use with --format: literal text, field paths
 * {{.State.Status}} and {{json .Config}}. Other actions are rejected rather than misprinted.
 */
public final class GoTemplate {
    private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}");
    private static final Pattern FIELD = Pattern.compile("(json\\s+)?\\.((?:[A-Za-z0-9_]+(?:\\.[A-Za-z0-9_]+)*)?)");

    private sealed interface Part permits Text, Field {
    }

    private record Text(String text) implements Part {
    }

    private record Field(List<String> path, boolean json) implements Part {
    }

    private final List<Part> parts;

    private GoTemplate(List<Part> parts) {
        this.parts = parts;
    }

    public static GoTemplate parse(String template) {
        List<Part> parts = new ArrayList<>();
        Matcher action = ACTION.matcher(template);
        int last = 0;
        while (action.find()) {
            parts.add(new Text(template.substring(last, action.start())));
            Matcher field = FIELD.matcher(action.group(1));
            if (!field.matches()) {
                throw new IllegalArgumentException("template parsing error: unsupported action {{" + action.group(1) + "}}");
            }
            List<String> path = field.group(2).isEmpty() ? List.of() : List.of(field.group(2).split("\\."));
            parts.add(new Field(path, field.group(1) != null));
            last = action.end();
        }
        parts.add(new Text(template.substring(last)));
        return new GoTemplate(parts);
    }

    public String render(JsonNode root) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            switch (part) {
                case Text text -> out.append(text.text());
                case Field field -> {
                    JsonNode value = root;
                    for (String name : field.path()) {
                        value = value == null ? null : value.get(name);
                    }
                    out.append(field.json() ? (value == null ? "null" : value.toString()) : plain(value));
                }
            }
        }
        return out.toString();
    }

    /** Go's default printing: strings bare, null as <no value>, lists as [a b], maps as map[k:v] with sorted keys. */
    private static String plain(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "<no value>";
        }
        if (value.isNull()) {
            return "<nil>";
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(plain(item)));
            return "[" + String.join(" ", items) + "]";
        }
        Map<String, String> entries = new TreeMap<>();
        value.properties().forEach(entry -> entries.put(entry.getKey(), plain(entry.getValue())));
        List<String> shown = new ArrayList<>();
        entries.forEach((key, text) -> shown.add(key + ":" + text));
        return "map[" + String.join(" ", shown) + "]";
    }
}
