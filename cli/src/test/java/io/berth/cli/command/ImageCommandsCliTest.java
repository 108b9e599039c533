package io.berth.cli.command;

import io.berth.cli.testing.ScriptedDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** The image commands' requests and output against a scripted daemon. */
class ImageCommandsCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private ScriptedDaemon daemon;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws IOException {
        if (daemon != null) daemon.close();
    }

    private int berth(Function<ScriptedDaemon.Request, byte[]> script, String... args) throws IOException {
        if (daemon != null) daemon.close(); // a test may run several commands, each against a fresh daemon
        daemon = new ScriptedDaemon(request -> request.path().equals("/_ping")
                ? ScriptedDaemon.respond(200, "text/plain", "OK") : script.apply(request));
        return BerthCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("BERTH_HOST", daemon.host(), "BERTH_CONFIG", dir.toString()));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pushAllTagsSendsNoTagAndTheStoredLogin() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"reg:5000\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("u:p".getBytes()) + "\"}}}");
        assertEquals(0, berth(r -> ScriptedDaemon.json(200, "{\"status\":\"Pushed\",\"id\":\"abc\"}"), "push", "-a", "reg:5000/app"));
        ScriptedDaemon.Request push = daemon.requests().getLast();
        assertTrue(push.line().endsWith("/images/reg:5000%2Fapp/push") || push.line().endsWith("/images/reg:5000/app/push"), push.line());
        String auth = new String(Base64.getUrlDecoder().decode(push.headers().get("x-registry-auth")), StandardCharsets.UTF_8);
        assertTrue(auth.contains("\"username\":\"u\"") && auth.contains("\"serveraddress\":\"reg:5000\""), auth);
        assertEquals("abc: Pushed\n", stdout());
    }

    @Test
    void commitSendsTheOptionsAndPrintsTheId() throws Exception {
        assertEquals(0, berth(r -> ScriptedDaemon.json(201, "{\"Id\":\"sha256:feed\"}"),
                "commit", "-m", "msg", "-a", "me", "-c", "CMD true", "-c", "ENV A=1", "c1", "repo/x:v2"));
        String line = daemon.requests().getLast().line();
        assertTrue(line.startsWith("POST /v1.41/commit?container=c1&repo=repo%2Fx&tag=v2&comment=msg&author=me"
                + "&changes=CMD+true&changes=ENV+A%3D1"), line);
        assertEquals("sha256:feed\n", stdout());
    }

    @Test
    void diffPrintsDockersLetters() throws Exception {
        assertEquals(0, berth(r -> ScriptedDaemon.json(200,
                "[{\"Path\":\"/a\",\"Kind\":1},{\"Path\":\"/etc\",\"Kind\":0},{\"Path\":\"/b\",\"Kind\":2}]"), "diff", "c1"));
        assertEquals("A /a\nC /etc\nD /b\n", stdout());
    }

    @Test
    void pruneAllForcedPrintsWhatWentAndTheSpace() throws Exception {
        assertEquals(0, berth(r -> ScriptedDaemon.json(200, "{\"ImagesDeleted\":[{\"Untagged\":\"x:1\"},{\"Deleted\":\"sha256:ab\"}],"
                + "\"SpaceReclaimed\":2048}"), "image", "prune", "-a", "-f"));
        assertTrue(daemon.requests().getLast().line().contains("/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D"),
                daemon.requests().getLast().line());
        assertEquals("Deleted Images:\nuntagged: x:1\ndeleted: sha256:ab\n\nTotal reclaimed space: 2.048kB\n", stdout());
    }

    @Test
    void loginChecksThroughTheDaemonThenStores() throws Exception {
        System.setIn(new java.io.ByteArrayInputStream("pw\n".getBytes()));
        try {
            assertEquals(0, berth(r -> ScriptedDaemon.json(200, "{\"Status\":\"Login Succeeded\"}"),
                    "login", "-u", "alice", "--password-stdin", "reg:5000"));
        } finally {
            System.setIn(new java.io.FileInputStream(java.io.FileDescriptor.in));
        }
        ScriptedDaemon.Request auth = daemon.requests().getLast();
        assertTrue(auth.line().startsWith("POST /v1.41/auth"), auth.line());
        assertTrue(new String(auth.body(), StandardCharsets.UTF_8).contains("\"password\":\"pw\""));
        assertTrue(Files.readString(dir.resolve("config.json")).contains("reg:5000"));
        assertEquals("Login Succeeded\n", stdout());
    }

    @Test
    void aRejectedLoginStoresNothing() throws Exception {
        assertEquals(1, berth(r -> ScriptedDaemon.json(401, "{\"message\":\"login to reg:5000 failed: unauthorized\"}"),
                "login", "-u", "alice", "-p", "bad", "reg:5000"));
        assertFalse(Files.exists(dir.resolve("config.json")));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unauthorized"));
    }
}
