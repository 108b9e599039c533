package io.berth.cli.format;

import io.berth.api.model.ApiJson;
import io.berth.api.model.ProgressMessage;
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

    private String draw(int columns, String stream) throws Exception {
        ProgressPrinter terminal = new ProgressPrinter(ApiJson.newMapper(), new PrintStream(printed, true, StandardCharsets.UTF_8), columns);
        assertNull(terminal.print(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8))));
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalEachLayerKeepsOneLineRedrawnInPlace() throws Exception {
        String output = draw(200, """
                {"status":"Pulling from library/busybox","id":"latest"}
                {"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}
                {"status":"Pulling fs layer","progressDetail":{},"id":"bbb"}
                {"status":"Downloading","progressDetail":{"current":500000,"total":1000000},"id":"aaa"}
                {"status":"Pull complete","progressDetail":{},"id":"aaa"}
                {"status":"Digest: sha256:abc"}
                """);
        String esc = "\u001b[";
        assertEquals("latest: Pulling from library/busybox\n"
                + "\n" + esc + "1A" + esc + "2K\raaa: Pulling fs layer \r" + esc + "1B"
                + "\n" + esc + "1A" + esc + "2K\rbbb: Pulling fs layer \r" + esc + "1B"
                + esc + "2A" + esc + "2K\raaa: Downloading [" + "=".repeat(25) + ">" + " ".repeat(25) + "]    500kB/1MB\r" + esc + "2B"
                + esc + "2A" + esc + "2K\raaa: Pull complete \r" + esc + "2B"
                + "Digest: sha256:abc\n", output);
    }

    @Test
    void aNarrowTerminalGetsCountsWithoutTheBar() {
        ProgressMessage.ProgressDetail half = new ProgressMessage.ProgressDetail(1_234_567L, 45_600_000L);
        assertEquals(" 1.235MB/45.6MB", ProgressPrinter.bar(half, 80));
        assertEquals("[=>" + " ".repeat(49) + "]  1.235MB/45.6MB", ProgressPrinter.bar(half, 120));
        assertEquals("   2.5kB", ProgressPrinter.bar(new ProgressMessage.ProgressDetail(2500L, null), 200));
        assertEquals("[" + "=".repeat(50) + ">]      3MB/3MB", ProgressPrinter.bar(new ProgressMessage.ProgressDetail(3_000_000L, 3_000_000L), 200));
        assertEquals("", ProgressPrinter.bar(new ProgressMessage.ProgressDetail(null, null), 200));
    }

    @Test
    void aStreamThatIsNoTerminalGetsPlainLines() throws Exception {
        ProgressPrinter printer = ProgressPrinter.forStream(ApiJson.newMapper(), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertNull(printer.print(new ByteArrayInputStream("""
                {"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"aaa"}
                {"status":"Pull complete","progressDetail":{},"id":"aaa"}
                """.getBytes(StandardCharsets.UTF_8))));
        assertEquals("aaa: Pull complete\n", printed.toString(StandardCharsets.UTF_8));
    }
}
