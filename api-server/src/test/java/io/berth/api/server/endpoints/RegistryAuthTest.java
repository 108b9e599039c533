package io.berth.api.server.endpoints;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class RegistryAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Optional<RegistryAuth> decode(String header) {
        return RegistryAuth.fromHeader(Optional.ofNullable(header), JSON);
    }

    @Test
    void decodesUrlSafeAndStandardBase64WithOrWithoutPadding() {
        String json = "{\"username\":\"al?ce>\",\"password\":\"p>w?\",\"serveraddress\":\"https://index.docker.io/v1/\"}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        for (String header : new String[] {Base64.getUrlEncoder().encodeToString(bytes),
                Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), Base64.getEncoder().encodeToString(bytes)}) {
            RegistryAuth auth = decode(header).orElseThrow();
            assertEquals("al?ce>", auth.username());
            assertEquals("p>w?", auth.toAuthConfig().password());
            assertEquals("docker.io", auth.registryHost());
        }
    }

    @Test
    void anonymousHeadersMeanNoCredentials() {
        assertTrue(decode(null).isEmpty());
        assertTrue(decode("e30=").isEmpty());
        assertTrue(decode(Base64.getUrlEncoder().encodeToString("{\"serveraddress\":\"x\"}".getBytes())).isEmpty());
    }

    @Test
    void identityTokenCountsAsCredentialsAndHostsAreNormalised() {
        RegistryAuth auth = decode(Base64.getUrlEncoder().encodeToString(
                "{\"identitytoken\":\"tok\",\"serveraddress\":\"http://127.0.0.1:5000/v2/\"}".getBytes())).orElseThrow();
        assertEquals("tok", auth.toAuthConfig().identityToken());
        assertEquals("127.0.0.1:5000", auth.registryHost());
    }

    @Test
    void garbageIsABadRequest() {
        assertThrows(InvalidArgumentException.class, () -> decode("not base64 at all!"));
        assertThrows(InvalidArgumentException.class, () -> decode(Base64.getUrlEncoder().encodeToString("[1,2".getBytes())));
    }
}
