package io.berth.cli.format;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Map;

/**
 * A list command's --format: a plain template prints one line per row; "table TEMPLATE" adds a
 * header row built from the field names and aligns the tab-separated cells like docker.
 */
public final class TemplateTable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TemplateTable() {
    }

    public static String render(String format, List<Map<String, String>> rows, Map<String, String> headers) {
        boolean table = format.startsWith("table");
        GoTemplate template = GoTemplate.parse(unescape(table ? format.substring("table".length()).strip() : format));
        if (!table) {
            StringBuilder out = new StringBuilder();
            rows.forEach(row -> out.append(template.render(MAPPER.valueToTree(row))).append('\n'));
            return out.toString();
        }
        TableWriter writer = new TableWriter().row(List.of(template.render(MAPPER.valueToTree(headers)).split("\t", -1)));
        rows.forEach(row -> writer.row(List.of(template.render(MAPPER.valueToTree(row)).split("\t", -1))));
        return writer.render();
    }

    /** Shells pass "\t" literally; docker's templates treat it as a tab. */
    private static String unescape(String template) {
        return template.replace("\\t", "\t").replace("\\n", "\n");
    }
}
