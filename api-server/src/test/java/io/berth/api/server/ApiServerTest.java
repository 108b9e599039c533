package io.berth.api.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.Engine;
import io.berth.engine.EngineConfig;
import io.berth.engine.container.Container;
import io.berth.image.RegistryHosts;
import io.berth.testkit.BusyboxImage;
import io.berth.testkit.TestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API over a real unix socket, served by a real engine (busybox from a local registry). */
class ApiServerTest {
    static final Path SHIM = Path.of(System.getProperty("berth.home", ".."), "native/target/bin/berth-shim").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    static TestRegistry registry;
    static Path root;
    static Path socket;
    static Engine engine;
    static ApiServer server;

    @BeforeAll
    static void startServer() throws Exception {
        registry = TestRegistry.start();
        BusyboxImage.pushTo(registry, "library/busybox:latest");
        root = Files.createTempDirectory("berth-api-test");
        engine = Engine.open(new EngineConfig(root.resolve("data"), root.resolve("exec"), SHIM,
                new RegistryHosts(List.of(registry.uri()), List.of())));
        engine.images().pull(io.berth.oci.reference.ImageReference.parse("busybox"), progress -> {});
        server = new ApiServer(engine);
        socket = root.resolve("api.sock");
        server.listen(new ListenAddress.Unix(socket));
    }

    @AfterAll
    static void stopServer() throws IOException {
        try {
            if (engine != null) for (Container c : engine.list(true)) engine.remove(c.id(), true);
        } finally {
            try {
                if (server != null) server.close();
                if (engine != null) engine.close();
            } finally {
                try {
                    if (registry != null) registry.close();
                } finally {
                    if (root != null && Files.exists(root)) {
                        try (Stream<Path> paths = Files.walk(root)) {
                            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                        }
                    }
                }
            }
        }
    }

    static UnixHttpClient client() throws IOException {
        return new UnixHttpClient(socket);
    }

    @Test
    void pingAnswersOkWithDockerdHeaders() throws Exception {
        try (var http = client()) {
            var get = http.request("GET", "/_ping", null);
            assertEquals(200, get.status());
            assertEquals("OK", get.text());
            assertEquals("1.50", get.header("Api-Version"));
            assertEquals("linux", get.header("Ostype"));
            assertEquals("Berth/0.1.0 (linux)", get.header("Server"));
            var head = http.request("HEAD", "/_ping", null);
            assertEquals(200, head.status());
            assertEquals("false", head.header("Docker-Experimental"));
        }
    }

    @Test
    void versionPrefixesAreCheckedAgainstTheSupportedRange() throws Exception {
        try (var http = client()) {
            var current = http.request("GET", "/v1.50/version", null);
            assertEquals(200, current.status());
            assertEquals("1.50", JSON.readTree(current.body()).get("ApiVersion").asText());
            assertEquals(200, http.request("GET", "/v1.24/version", null).status());
            assertEquals(200, http.request("GET", "/version", null).status());
            var tooNew = http.request("GET", "/v1.99/version", null);
            assertEquals(400, tooNew.status());
            assertEquals("client version 1.99 is too new. Maximum supported API version is 1.50",
                    JSON.readTree(tooNew.body()).get("message").asText());
            var tooOld = http.request("GET", "/v1.12/version", null);
            assertEquals(400, tooOld.status());
        }
    }

    @Test
    void malformedJsonIsABadRequestAndTheConnectionKeepsServing() throws Exception {
        try (var http = client()) {
            var bad = http.request("POST", "/containers/create", "{\"Image\": \"busybox\", ");
            assertEquals(400, bad.status());
            assertTrue(JSON.readTree(bad.body()).get("message").asText().contains("invalid JSON"), bad.text());
            assertEquals("OK", http.request("GET", "/_ping", null).text());
        }
    }

    @Test
    void unknownRoutesAndObjectsAreJson404s() throws Exception {
        try (var http = client()) {
            var route = http.request("GET", "/v1.50/nosuch/endpoint", null);
            assertEquals(404, route.status());
            assertEquals("{\"message\":\"page not found\"}", route.text());
            var container = http.request("GET", "/containers/doesnotexist/json", null);
            assertEquals(404, container.status());
            assertEquals("No such container: doesnotexist", JSON.readTree(container.body()).get("message").asText());
        }
    }

    @Test
    void pullCreateAttachStartAndWaitLikeDockerRun() throws Exception {
        try (var http = client()) {
            var pull = http.request("POST", "/v1.50/images/create?fromImage=busybox&tag=latest", null);
            assertEquals(200, pull.status());
            assertTrue(pull.text().contains("Status: Downloaded newer image for busybox:latest")
                    || pull.text().contains("Image is up to date"), pull.text());

            var create = http.request("POST", "/v1.50/containers/create?name=attached",
                    "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo hi; echo oops >&2; exit 5\"],\"AttachStdout\":true,\"AttachStderr\":true}");
            assertEquals(201, create.status(), create.text());
            String id = JSON.readTree(create.body()).get("Id").asText();

            var stream = client();
            stream.send("POST", "/v1.50/containers/" + id + "/attach?stream=1&stdout=1&stderr=1", null,
                    "Connection: Upgrade", "Upgrade: tcp");
            var upgraded = stream.readHead();
            CompletableFuture<UnixHttpClient.Response> attached = CompletableFuture.supplyAsync(() -> {
                try (stream) {
                    return stream.readBody(upgraded, false);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (var waiter = client()) {
                waiter.send("POST", "/v1.50/containers/" + id + "/wait?condition=next-exit", null);
                // The headers arrive before the exit: the wait is registered, so the start cannot be missed.
                var waitHead = waiter.readHead();
                assertEquals(200, waitHead.status());
                assertEquals(204, http.request("POST", "/v1.50/containers/" + id + "/start", null).status());
                var waited = waiter.readBody(waitHead, false);
                assertEquals(5, JSON.readTree(waited.body()).get("StatusCode").asInt());
            }
            var hijacked = attached.get(20, TimeUnit.SECONDS);
            assertEquals("HTTP/1.1 101 UPGRADED", hijacked.statusLine());
            assertEquals("application/vnd.docker.multiplexed-stream", hijacked.header("Content-Type"));
            assertEquals(List.of("1:hi\n", "2:oops\n"), frames(hijacked.body()));

            var logs = http.request("GET", "/v1.50/containers/" + id + "/logs?stdout=1&stderr=0", null);
            assertEquals(List.of("1:hi\n"), frames(logs.body()));
            JsonNode inspect = JSON.readTree(http.request("GET", "/containers/attached/json", null).body());
            assertEquals("exited", inspect.at("/State/Status").asText());
            assertEquals(5, inspect.at("/State/ExitCode").asInt());
            assertEquals("/attached", inspect.get("Name").asText());
            assertEquals(204, http.request("DELETE", "/containers/" + id, null).status());
        }
    }

    @Test
    void aHalfClosedAttachStillReceivesLargeOutputCompletely() throws Exception {
        try (var http = client()) {
            var create = http.request("POST", "/containers/create?name=bulk",
                    "{\"Image\":\"busybox\",\"Cmd\":[\"seq\",\"1\",\"50000\"]}");
            assertEquals(201, create.status(), create.text());
            try (var stream = client()) {
                stream.send("POST", "/containers/bulk/attach?stream=1&stdout=1&stderr=1", null,
                        "Connection: Upgrade", "Upgrade: tcp");
                var upgraded = stream.readHead();
                assertEquals(101, upgraded.status());
                stream.shutdownOutput();
                CompletableFuture<UnixHttpClient.Response> output = CompletableFuture.supplyAsync(() -> {
                    try {
                        return stream.readBody(upgraded, false);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertEquals(204, http.request("POST", "/containers/bulk/start", null).status());
                StringBuilder expected = new StringBuilder();
                for (int i = 1; i <= 50000; i++) expected.append(i).append('\n');
                String received = frames(output.get(30, TimeUnit.SECONDS).body()).stream()
                        .map(f -> f.substring(2)).reduce("", String::concat);
                assertEquals(expected.toString(), received);
            }
            assertEquals(204, http.request("DELETE", "/containers/bulk?force=1", null).status());
        }
    }

    @Test
    void importStreamsTheRequestBodyIntoANewImage() throws Exception {
        Path tar = root.resolve("rootfs.tar");
        BusyboxImage.build().writeRootfsTar(tar);
        try (var http = client(); var body = Files.newInputStream(tar)) {
            http.sendChunked("POST", "/v1.50/images/create?fromSrc=-&repo=imported&tag=v1&message=test", body,
                    "application/x-tar");
            var answer = http.read(false);
            assertEquals(200, answer.status(), answer.text());
            String id = JSON.readTree(answer.body()).get("status").asText();
            assertTrue(id.matches("sha256:[0-9a-f]{64}"), answer.text());
            JsonNode image = JSON.readTree(http.request("GET", "/images/imported:v1/json", null).body());
            assertEquals(id, image.get("Id").asText());
            var removed = http.request("DELETE", "/images/imported:v1", null);
            assertEquals(200, removed.status(), removed.text());
            assertEquals(404, http.request("GET", "/images/imported:v1/json", null).status());
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    /** Decodes docker's 8-byte-header frames as "type:payload". */
    // ---- exec, stdin, resize (Step 3) ---------------------------------------------------------

    static String createRunning(UnixHttpClient http, String name, String body) throws IOException {
        var create = http.request("POST", "/containers/create?name=" + name, body);
        assertEquals(201, create.status(), create.text());
        assertEquals(204, http.request("POST", "/containers/" + name + "/start", null).status());
        return JSON.readTree(create.body()).get("Id").asText();
    }

    static String createExec(UnixHttpClient http, String container, String body) throws IOException {
        var exec = http.request("POST", "/containers/" + container + "/exec", body);
        assertEquals(201, exec.status(), exec.text());
        return JSON.readTree(exec.body()).get("Id").asText();
    }

    /** Starts an exec hijacked, sends {@code stdin} and half-closes, returns everything until the server closes. */
    static UnixHttpClient.Response startExec(String execId, String body, byte[] stdin) throws Exception {
        try (var stream = client()) {
            stream.send("POST", "/exec/" + execId + "/start", body, "Connection: Upgrade", "Upgrade: tcp");
            var head = stream.readHead();
            assertEquals(101, head.status());
            if (stdin != null) stream.writeRaw(stdin);
            stream.shutdownOutput();
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return stream.readBody(head, false);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void execForwardsStdinAndReportsItsExitCode() throws Exception {
        try (var http = client()) {
            createRunning(http, "execstdin", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"60\"]}");
            String exec = createExec(http, "execstdin", "{\"Cmd\":[\"sh\",\"-c\",\"cat; echo done >&2; exit 3\"],"
                    + "\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":true}");
            JsonNode before = JSON.readTree(http.request("GET", "/exec/" + exec + "/json", null).body());
            assertTrue(before.get("ExitCode").isNull() && !before.get("Running").asBoolean(), before.toString());
            var out = startExec(exec, "{\"Detach\":false,\"Tty\":false}", "typed\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(List.of("1:typed\n", "2:done\n"), frames(out.body()));
            JsonNode after = JSON.readTree(http.request("GET", "/exec/" + exec + "/json", null).body());
            assertEquals(3, after.get("ExitCode").asInt(), after.toString());
            assertEquals("sh", after.at("/ProcessConfig/entrypoint").asText());
            assertEquals(409, http.request("POST", "/exec/" + exec + "/resize?h=10&w=10", null).status(), "resize of an ended exec");
            assertEquals(409, http.request("POST", "/exec/" + exec + "/start", "{\"Detach\":true}").status(), "an exec runs once");
            assertTrue(JSON.readTree(http.request("GET", "/containers/execstdin/json", null).body()).get("ExecIDs").toString()
                    .contains(exec));
            assertEquals(204, http.request("DELETE", "/containers/execstdin?force=1", null).status());
        }
    }

    @Test
    void execWithATerminalGetsItsSizeAndARawStream() throws Exception {
        try (var http = client()) {
            createRunning(http, "exectty", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"60\"]}");
            String exec = createExec(http, "exectty", "{\"Cmd\":[\"sh\",\"-c\",\"tty; stty size\"],\"Tty\":true,"
                    + "\"AttachStdout\":true,\"AttachStderr\":true,\"ConsoleSize\":[21,77]}");
            var out = startExec(exec, "{\"Tty\":true}", null);
            assertEquals("application/vnd.docker.raw-stream", out.header("Content-Type"));
            String text = out.text();
            assertTrue(text.startsWith("/dev/pts/") && text.contains("21 77\r\n"), text);
            assertEquals(204, http.request("DELETE", "/containers/exectty?force=1", null).status());
        }
    }

    @Test
    void aMissingExecCommandIsReportedInTheStreamWithExitCode127() throws Exception {
        try (var http = client()) {
            createRunning(http, "execmissing", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"60\"]}");
            String exec = createExec(http, "execmissing", "{\"Cmd\":[\"nosuchcmd\"],\"AttachStdout\":true,\"AttachStderr\":true}");
            var out = startExec(exec, "{}", null);
            String message = frames(out.body()).getFirst();
            assertTrue(message.startsWith("1:OCI runtime exec failed") && message.contains("nosuchcmd"), message);
            assertEquals(127, JSON.readTree(http.request("GET", "/exec/" + exec + "/json", null).body()).get("ExitCode").asInt());
            assertEquals(204, http.request("DELETE", "/containers/execmissing?force=1", null).status());
        }
    }

    @Test
    void badExecAttachAndResizeRequestsAreRefusedAndChangeNothing() throws Exception {
        try (var http = client()) {
            var created = http.request("POST", "/containers/create?name=idle", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}");
            assertEquals(201, created.status());
            var notRunning = http.request("POST", "/containers/idle/exec", "{\"Cmd\":[\"true\"]}");
            assertEquals(409, notRunning.status(), notRunning.text());
            assertEquals(404, http.request("POST", "/containers/nosuch/exec", "{\"Cmd\":[\"true\"]}").status());
            assertEquals(404, http.request("GET", "/exec/nosuch/json", null).status());
            assertEquals(404, http.request("POST", "/exec/nosuch/start", "{}").status());
            assertEquals(404, http.request("POST", "/exec/nosuch/resize?h=1&w=1", null).status());
            assertEquals(409, http.request("POST", "/containers/idle/resize?h=24&w=80", null).status());
            assertEquals(400, http.request("POST", "/containers/idle/resize?h=tall&w=80", null).status());
            createRunning(http, "busy", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"60\"]}");
            var noCmd = http.request("POST", "/containers/busy/exec", "{\"Cmd\":[]}");
            assertEquals(400, noCmd.status(), noCmd.text());
            var badKeys = http.request("POST", "/containers/busy/exec", "{\"Cmd\":[\"true\"],\"DetachKeys\":\"ctrl-1\"}");
            assertEquals(400, badKeys.status());
            assertTrue(badKeys.text().contains("Invalid detach keys"), badKeys.text());
            var badAttach = http.request("POST", "/containers/busy/attach?stream=1&stdin=1&detachKeys=nonsense", null);
            assertEquals(400, badAttach.status(), badAttach.text());
            JsonNode busy = JSON.readTree(http.request("GET", "/containers/busy/json", null).body());
            assertTrue(busy.at("/State/Running").asBoolean(), "the container is untouched");
            assertEquals(204, http.request("DELETE", "/containers/busy?force=1", null).status());
            assertEquals(204, http.request("DELETE", "/containers/idle", null).status());
        }
    }

    @Test
    void attachBeforeStartForwardsStdinAndTheDetachKeysLeaveTheContainerRunning() throws Exception {
        try (var http = client()) {
            // docker run -i: attach with stdin before the start; StdinOnce closes cat's stdin at the client's end.
            var once = http.request("POST", "/containers/create?name=once", "{\"Image\":\"busybox\",\"Cmd\":[\"cat\"],"
                    + "\"OpenStdin\":true,\"StdinOnce\":true,\"AttachStdin\":true,\"AttachStdout\":true}");
            assertEquals(201, once.status(), once.text());
            try (var stream = client()) {
                stream.send("POST", "/containers/once/attach?stream=1&stdin=1&stdout=1&stderr=1", null, "Connection: Upgrade", "Upgrade: tcp");
                var head = stream.readHead();
                stream.writeRaw("before start\n".getBytes(StandardCharsets.UTF_8));
                stream.shutdownOutput();
                assertEquals(204, http.request("POST", "/containers/once/start", null).status());
                assertEquals(List.of("1:before start\n"), frames(stream.readBody(head, false).body()));
            }
            JsonNode done = JSON.readTree(http.request("GET", "/containers/once/json", null).body());
            assertEquals(0, done.at("/State/ExitCode").asInt());
            assertEquals(false, done.at("/State/Running").asBoolean());

            // docker run -dit, then attach: ctrl-a ends the attach (detach keys apply with a terminal), cat keeps running.
            createRunning(http, "kept", "{\"Image\":\"busybox\",\"Cmd\":[\"cat\"],\"OpenStdin\":true,\"Tty\":true}");
            try (var stream = client()) {
                stream.send("POST", "/containers/kept/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-a", null,
                        "Connection: Upgrade", "Upgrade: tcp");
                var head = stream.readHead();
                var detached = CompletableFuture.supplyAsync(() -> {
                    try {
                        return stream.readBody(head, false);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                stream.writeRaw("kept line\n".getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < 200 && !http.request("GET", "/containers/kept/logs?stdout=1", null).text().contains("kept line"); i++) {
                    Thread.sleep(10);
                }
                assertFalse(detached.isDone(), "the attach lasts until the detach keys");
                stream.writeRaw(new byte[] {1});
                detached.get(20, TimeUnit.SECONDS); // the server ended the attach (what it had sent by then varies)
            }
            assertTrue(JSON.readTree(http.request("GET", "/containers/kept/json", null).body()).at("/State/Running").asBoolean(),
                    "detaching leaves the container running");
            String logs = http.request("GET", "/containers/kept/logs?stdout=1", null).text();
            assertTrue(logs.contains("kept line"), logs);
            assertEquals(204, http.request("DELETE", "/containers/kept?force=1", null).status());
            assertEquals(204, http.request("DELETE", "/containers/once", null).status());
        }
    }

    @Test
    void binaryStdinAndOutputSurviveAnAttachWithoutATerminal() throws Exception {
        byte[] input = new byte[200_000];
        new java.util.Random(7).nextBytes(input);
        for (int i = 0; i < input.length; i += 1000) { // detach keys, invalid UTF-8 and newlines all over
            input[i] = 16;
            input[i + 1] = 17;
            input[i + 2] = (byte) 0xff;
            input[i + 3] = '\n';
        }
        try (var http = client()) {
            var created = http.request("POST", "/containers/create?name=binary", "{\"Image\":\"busybox\",\"Cmd\":[\"cat\"],"
                    + "\"OpenStdin\":true,\"StdinOnce\":true,\"AttachStdin\":true,\"AttachStdout\":true}");
            assertEquals(201, created.status(), created.text());
            try (var stream = client()) {
                stream.send("POST", "/containers/binary/attach?stream=1&stdin=1&stdout=1&stderr=1", null, "Connection: Upgrade", "Upgrade: tcp");
                var head = stream.readHead();
                assertEquals(204, http.request("POST", "/containers/binary/start", null).status());
                var output = CompletableFuture.supplyAsync(() -> {
                    try {
                        return stream.readBody(head, false);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                stream.writeRaw(input);
                stream.shutdownOutput();
                java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
                ByteBuffer frames = ByteBuffer.wrap(output.get(30, TimeUnit.SECONDS).body());
                while (frames.remaining() >= 8) {
                    assertEquals(1, frames.get());
                    frames.position(frames.position() + 3);
                    byte[] payload = new byte[frames.getInt()];
                    frames.get(payload);
                    received.writeBytes(payload);
                }
                assertTrue(java.util.Arrays.equals(input, received.toByteArray()), "got " + received.size() + " of " + input.length + " bytes, or different ones");
            }
            assertEquals(204, http.request("DELETE", "/containers/binary?force=1", null).status());
        }
    }

    @Test
    void aClientThatGoesAwayMidStreamDoesNotHoldTheContainerBack() throws Exception {
        try (var http = client()) {
            var created = http.request("POST", "/containers/create?name=chatty", "{\"Image\":\"busybox\","
                    + "\"Cmd\":[\"sh\",\"-c\",\"seq 1 200000; echo done\"]}");
            assertEquals(201, created.status(), created.text());
            var stream = client();
            stream.send("POST", "/containers/chatty/attach?stream=1&stdout=1&stderr=1", null, "Connection: Upgrade", "Upgrade: tcp");
            assertEquals(101, stream.readHead().status());
            try (var waiter = client()) {
                waiter.send("POST", "/containers/chatty/wait?condition=next-exit", null);
                var waitHead = waiter.readHead();
                assertEquals(204, http.request("POST", "/containers/chatty/start", null).status());
                stream.close(); // gone without reading a byte
                assertEquals(0, JSON.readTree(waiter.readBody(waitHead, false).body()).get("StatusCode").asInt());
            }
            String logs = http.request("GET", "/containers/chatty/logs?stdout=1&tail=2", null).text();
            assertTrue(logs.contains("200000\n") && logs.contains("done\n"), "every line logged: " + logs);
            assertEquals(200, http.request("GET", "/_ping", null).status(), "the daemon serves on");
            assertEquals(204, http.request("DELETE", "/containers/chatty", null).status());
        }
    }

    static List<String> frames(byte[] stream) {
        ByteBuffer buf = ByteBuffer.wrap(stream);
        List<String> frames = new ArrayList<>();
        while (buf.remaining() >= 8) {
            int type = buf.get();
            buf.position(buf.position() + 3);
            byte[] payload = new byte[buf.getInt()];
            buf.get(payload);
            frames.add(type + ":" + new String(payload, StandardCharsets.UTF_8));
        }
        assertEquals(0, buf.remaining(), "trailing bytes after the last frame");
        return frames;
    }
}
