package io.berth.cli.format;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonIndenterTest {
    @Test
    void indentsLikeDockerInspect() {
        assertEquals("""
                [
                    {
                        "Id": "abc",
                        "Args": [],
                        "Labels": {},
                        "Cmd": [
                            "echo",
                            1.5e3
                        ]
                    }
                ]""", JsonIndenter.indent("[{\"Id\":\"abc\",\"Args\":[],\"Labels\":{ },\"Cmd\":[\"echo\",1.5e3]}]"));
    }

    @Test
    void leavesStringContentsAlone() {
        assertEquals("{\n    \"a\": \"{[,:]} \\\" \\\\\"\n}", JsonIndenter.indent("{\"a\":\"{[,:]} \\\" \\\\\"}"));
    }

    @Test
    void printsAnEmptyArrayCompactly() {
        assertEquals("[]", JsonIndenter.indent("[]"));
    }
}
