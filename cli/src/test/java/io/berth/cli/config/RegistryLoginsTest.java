package io.berth.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class RegistryLoginsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void storesDockerStyleAuthsPrivatelyAndKeepsOtherKeys() throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"psFormat\":\"table {{.ID}}\"}");
        RegistryLogins logins = new RegistryLogins(file);
        logins.store("http://127.0.0.1:5000/", new RegistryLogins.Login("alice", "s3:cret", null));
        JsonNode root = JSON.readTree(file.toFile());
        assertEquals("table {{.ID}}", root.path("psFormat").asText());
        assertEquals(Base64.getEncoder().encodeToString("alice:s3:cret".getBytes()),
                root.path("auths").path("127.0.0.1:5000").path("auth").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(Optional.of(new RegistryLogins.Login("alice", "s3:cret", null)), logins.find("127.0.0.1:5000"));
    }

    @Test
    void headerIsBase64UrlJsonWithTheServerAndEmptyWithoutLogin() throws Exception {
        RegistryLogins logins = new RegistryLogins(dir.resolve("config.json"));
        assertEquals("{}", new String(Base64.getUrlDecoder().decode(logins.header("docker.io"))));
        logins.store("docker.io", new RegistryLogins.Login("bob", "pw", null));
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(logins.header("index.docker.io")));
        assertEquals(Map.of("username", "bob", "password", "pw", "serveraddress", RegistryLogins.DOCKER_HUB_SERVER),
                JSON.convertValue(header, Map.class));
    }

    @Test
    void removeForgetsOnlyThatServer() throws Exception {
        RegistryLogins logins = new RegistryLogins(dir.resolve("sub/config.json"));
        assertFalse(logins.remove("a:1"));
        logins.store("a:1", new RegistryLogins.Login("u", "p", null));
        logins.store("b:2", new RegistryLogins.Login("v", "q", null));
        assertTrue(logins.remove("a:1"));
        assertTrue(logins.find("a:1").isEmpty());
        assertTrue(logins.find("b:2").isPresent());
    }

    @Test
    void configDirectoryComesFromBerthConfigThenHome() {
        assertEquals(Path.of("/x/config.json"), RegistryLogins.defaultFile(Map.of("BERTH_CONFIG", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.berth/config.json"), RegistryLogins.defaultFile(Map.of("HOME", "/h")));
    }
}
