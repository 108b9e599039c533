package io.berth.cli.format;

import io.berth.api.model.ApiJson;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProgressPrinterTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final ProgressPrinter printer = new ProgressPrinter(ApiJson.newMapper(), new PrintStream(printed, true, StandardCharsets.UTF_8));

    private String print(String stream, String expectedError) throws Exception {
        assertEquals(expectedError, printer.print(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8))));
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsStatusLinesAndSkipsProgressBars() throws Exception {
        String output = print("""
                {"status":"Pulling from library/busybox","id":"latest"}
                {"status":"Pulling fs layer","progressDetail":{},"id":"f236b88b123c"}
                {"status":"Downloading","progressDetail":{"current":100,"total":2000},"progress":"[=>   ]","id":"f236b88b123c"}
                {"status":"Pull complete","progressDetail":{},"id":"f236b88b123c"}
                {"status":"Digest: sha256:abc"}{"status":"Status: Downloaded newer image for busybox:latest"}
                """, null);
        assertEquals("""
                latest: Pulling from library/busybox
                f236b88b123c: Pulling fs layer
                f236b88b123c: Pull complete
                Digest: sha256:abc
                Status: Downloaded newer image for busybox:latest
                """, output);
    }

    @Test
    void stopsAtAnErrorMessage() throws Exception {
        String output = print("""
                {"status":"Pulling from library/nope","id":"latest"}
                {"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}
                {"status":"never printed"}
                """, "manifest unknown");
        assertEquals("latest: Pulling from library/nope\n", output);
    }

    @Test
    void anEmptyStreamIsClean() throws Exception {
        assertNull(printer.print(new ByteArrayInputStream(new byte[0])));
    }
}
