package io.berth.image.registry;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.registry.Credentials.AuthConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json as the docker CLI writes it: keys with and without scheme, Docker Hub's legacy key, other fields kept. */
class CredentialsTest {
    @TempDir
    Path dir;

    private static String auth(String pair) {
        return Base64.getEncoder().encodeToString(pair.getBytes());
    }

    @Test
    void readsAuthsUnderEveryKeySpelling() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "https://registry.example:5000/v2/": {"auth": "%s"},
                  "plain.example": {"auth": "%s"},
                  "token.example": {"identitytoken": "refresh-me"}
                }, "psFormat": "table {{.ID}}"}""".formatted(auth("hub:pw"), auth("ex:p:w"), auth("pl:pw")));
        Credentials credentials = new Credentials(config);
        assertEquals(Optional.of(AuthConfig.of("hub", "pw")), credentials.lookup("docker.io"));
        assertEquals(Optional.of(AuthConfig.of("hub", "pw")), credentials.lookup("registry-1.docker.io"));
        assertEquals(Optional.of(AuthConfig.of("ex", "p:w")), credentials.lookup("registry.example:5000"), "password may hold a colon");
        assertEquals(Optional.of(AuthConfig.of("pl", "pw")), credentials.lookup("plain.example"));
        assertEquals("refresh-me", credentials.lookup("token.example").orElseThrow().identityToken());
        assertTrue(credentials.lookup("registry.example:5001").isEmpty());
        assertTrue(new Credentials(dir.resolve("missing.json")).lookup("docker.io").isEmpty());
    }

    @Test
    void storesAndErasesKeepingOtherSettings() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"auths\":{\"https://other.example/v1/\":{\"auth\":\"" + auth("a:b") + "\"}},\"psFormat\":\"x\"}");
        Credentials credentials = new Credentials(config);
        credentials.store("docker.io", AuthConfig.of("me", "secret"));
        String written = Files.readString(config);
        assertTrue(written.contains("https://index.docker.io/v1/") && written.contains(auth("me:secret")), written);
        assertTrue(written.contains("psFormat"), "unrelated settings survive");
        assertTrue(credentials.erase("docker.io"));
        assertFalse(credentials.erase("docker.io"));
        assertEquals(Optional.of(AuthConfig.of("a", "b")), credentials.lookup("other.example"));
    }

    @Test
    void refusesGarbage() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"auths\":{\"x.example\":{\"auth\":\"not base64!\"}},\"credsStore\":\"../../bin/sh\"}");
        Credentials credentials = new Credentials(config);
        assertThrows(InvalidArgumentException.class, () -> credentials.lookup("x.example"), "a helper name cannot be a path");
        Files.writeString(config, "{\"auths\":{\"x.example\":{\"auth\":\"not base64!\"}}}");
        assertThrows(InvalidArgumentException.class, () -> credentials.lookup("x.example"));
    }
}
