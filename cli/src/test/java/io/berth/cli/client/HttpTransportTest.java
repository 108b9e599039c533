package io.berth.cli.client;

import io.berth.api.model.SystemVersion;
import io.berth.cli.testing.ScriptedDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpTransportTest {
    private ScriptedDaemon daemon;
    private EngineClient client;

    private EngineClient clientOf(Function<ScriptedDaemon.Request, byte[]> script) throws IOException {
        daemon = new ScriptedDaemon(script);
        client = new EngineClient(new HttpTransport(DaemonAddress.parse(daemon.host())), null);
        return client;
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void negotiatesTheDaemonsLowerVersionAndPrefixesPaths() throws IOException {
        clientOf(request -> request.path().equals("/_ping") ? ScriptedDaemon.respond(200, "text/plain", "OK")
                : ScriptedDaemon.json(200, "{\"Version\":\"20.10\",\"ApiVersion\":\"1.41\",\"Unknown\":1}"));
        SystemVersion version = client.getJson("/version", SystemVersion.class);
        assertEquals("20.10", version.version());
        assertEquals("1.41", client.apiVersion());
        assertEquals("GET /v1.41/version", daemon.requests().getLast().line());
        assertEquals("docker", daemon.requests().getLast().headers().get("host"));
    }

    @Test
    void turnsErrorAnswersIntoTheDaemonsMessage() throws IOException {
        clientOf(request -> request.path().equals("/_ping") ? ScriptedDaemon.respond(200, "text/plain", "OK")
                : ScriptedDaemon.json(404, "{\"message\":\"No such container: nope\"}"));
        DaemonErrorException error = assertThrows(DaemonErrorException.class, () -> client.getRaw("/containers/nope/json"));
        assertEquals(404, error.status());
        assertEquals("No such container: nope", error.getMessage());
        assertTrue(error.isNotFound());
    }

    @Test
    void hijacksTheConnectionAndStreamsUntilEof() throws IOException {
        byte[] frames = ScriptedDaemon.concat(frame(1, "hello\n"), frame(2, "oops\n"));
        clientOf(request -> request.path().equals("/_ping") ? ScriptedDaemon.respond(200, "text/plain", "OK")
                : ScriptedDaemon.upgraded(frames));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try (ApiResponse attached = client.open(ApiRequest.postUpgrade("/containers/x/attach?stream=1&stdout=1&stderr=1"))) {
            assertTrue(attached.isUpgraded());
            new StreamDemultiplexer(stdout, stderr).copy(attached.body());
        }
        assertEquals("hello\n", stdout.toString(StandardCharsets.UTF_8));
        assertEquals("oops\n", stderr.toString(StandardCharsets.UTF_8));
        ScriptedDaemon.Request attach = daemon.requests().getLast();
        assertEquals("Upgrade", attach.headers().get("connection"));
        assertEquals("tcp", attach.headers().get("upgrade"));
    }

    @Test
    void streamsARequestBodyChunked() throws IOException {
        byte[] tar = new byte[300_000];
        for (int i = 0; i < tar.length; i++) {
            tar[i] = (byte) (i * 31);
        }
        clientOf(request -> request.path().equals("/_ping") ? ScriptedDaemon.respond(200, "text/plain", "OK")
                : ScriptedDaemon.json(200, "{\"status\":\"sha256:1\"}"));
        try (ApiResponse response = client.open(ApiRequest.postStream("/images/create?fromSrc=-", "application/x-tar",
                new ByteArrayInputStream(tar)))) {
            assertEquals("{\"status\":\"sha256:1\"}", response.readText());
        }
        ScriptedDaemon.Request upload = daemon.requests().getLast();
        assertEquals("chunked", upload.headers().get("transfer-encoding"));
        assertArrayEquals(tar, upload.body());
    }

    @Test
    void reportsAnUnreachableDaemonLikeDocker() {
        EngineClient unreachable = new EngineClient(new HttpTransport(DaemonAddress.parse("unix:///nonexistent/berth-test.sock")), null);
        DaemonUnreachableException error = assertThrows(DaemonUnreachableException.class, unreachable::apiVersion);
        assertEquals("Cannot connect to the Berth daemon at unix:///nonexistent/berth-test.sock. Is the berth daemon running?",
                error.getMessage());
        unreachable.close();
    }

    static byte[] frame(int type, String payload) {
        return StreamDemultiplexerTest.frame(type, payload);
    }
}
