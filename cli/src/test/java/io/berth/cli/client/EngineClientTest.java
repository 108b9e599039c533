package io.berth.cli.client;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EngineClientTest {
    @Test
    void picksTheLowerApiVersionNumerically() {
        assertEquals("1.41", EngineClient.lowerVersion("1.41", "1.50"));
        assertEquals("1.50", EngineClient.lowerVersion("1.51", "1.50"));
        assertEquals("1.9", EngineClient.lowerVersion("1.9", "1.10"));
    }

    @Test
    void buildsQueriesSkippingNullsAndRepeatingLists() {
        assertEquals("/images/create?fromSrc=-&repo=my%2Fimg&changes=ENV+A%3D1&changes=CMD+sh",
                EngineClient.query("/images/create", EngineClient.parameters("fromSrc", "-", "repo", "my/img", "tag", null,
                        "changes", List.of("ENV A=1", "CMD sh"))));
        assertEquals("/containers/json", EngineClient.query("/containers/json", EngineClient.parameters("all", null)));
    }

    @Test
    void keepsReferenceSeparatorsInPaths() {
        assertEquals("localhost:5000/app@sha256:ab", EngineClient.segment("localhost:5000/app@sha256:ab"));
        assertEquals("a%20b%3F", EngineClient.segment("a b?"));
    }
}
