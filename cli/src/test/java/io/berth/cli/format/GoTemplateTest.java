package io.berth.cli.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GoTemplateTest {
    private final JsonNode container = read("""
            {"Name":"/t1","State":{"ExitCode":3,"Running":false},"Config":{"Cmd":["sh","-c","exit 3"],"Labels":{"z":"1","a":"2"}}}""");

    private static JsonNode read(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rendersFieldsLikeGo() {
        assertEquals("3 false /t1", GoTemplate.parse("{{.State.ExitCode}} {{.State.Running}} {{ .Name }}").render(container));
        assertEquals("[sh -c exit 3]", GoTemplate.parse("{{.Config.Cmd}}").render(container));
        assertEquals("map[a:2 z:1]", GoTemplate.parse("{{.Config.Labels}}").render(container));
        assertEquals("<no value>", GoTemplate.parse("{{.Nope}}").render(container));
    }

    @Test
    void rendersJson() {
        assertEquals("[\"sh\",\"-c\",\"exit 3\"]", GoTemplate.parse("{{json .Config.Cmd}}").render(container));
    }

    @Test
    void rejectsWhatItCannotRender() {
        assertThrows(IllegalArgumentException.class, () -> GoTemplate.parse("{{range .Mounts}}{{end}}"));
    }
}
