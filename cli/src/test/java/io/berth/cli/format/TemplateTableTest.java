package io.berth.cli.format;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TemplateTableTest {
    private final List<Map<String, String>> rows = List.of(
            Map.of("ID", "1980fd03f644", "Names", "fmt1"),
            Map.of("ID", "ca87cf6711cd", "Names", "serene_mahavira"));
    private final Map<String, String> headers = Map.of("ID", "CONTAINER ID", "Names", "NAMES");

    @Test
    void plainTemplatesPrintALinePerRow() {
        assertEquals("fmt1 1980fd03f644\nserene_mahavira ca87cf6711cd\n", TemplateTable.render("{{.Names}} {{.ID}}", rows, headers));
    }

    @Test
    void tableTemplatesGetHeadersAndAlignment() {
        assertEquals("""
                CONTAINER ID   NAMES
                1980fd03f644   fmt1
                ca87cf6711cd   serene_mahavira
                """, TemplateTable.render("table {{.ID}}\\t{{.Names}}", rows, headers));
    }
}
