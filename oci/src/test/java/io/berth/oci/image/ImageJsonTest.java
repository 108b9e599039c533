package io.berth.oci.image;

import io.berth.oci.Digest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageJsonTest {
    @Test
    void readsAnIndexAndPicksAPlatform() {
        String json = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","unknown":1,
                 "manifests":[
                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,
                   "digest":"sha256:%s","platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
                  {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,
                   "digest":"sha256:%s","platform":{"architecture":"amd64","os":"linux","os.version":"x"}}]}
                """.formatted("a".repeat(64), "b".repeat(64));
        Index index = OciJson.read(json.getBytes(StandardCharsets.UTF_8), Index.class, "index");
        Descriptor amd64 = index.select("linux", "amd64").orElseThrow();
        assertEquals(Digest.ofHex("b".repeat(64)), amd64.digest());
        assertEquals("x", amd64.platform().osVersion());
    }

    @Test
    void readsAndWritesConfigWithSpecNames() {
        String json = """
                {"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",
                 "config":{"Env":["PATH=/bin"],"Cmd":["sh"],"WorkingDir":"/w","ExposedPorts":{"80/tcp":{}},"Healthcheck":{}},
                 "rootfs":{"type":"layers","diff_ids":["sha256:%s"]},
                 "history":[{"created_by":"x","empty_layer":true}]}
                """.formatted("c".repeat(64));
        ImageConfig config = OciJson.read(json.getBytes(StandardCharsets.UTF_8), ImageConfig.class, "config");
        assertEquals(List.of("sh"), config.config().cmd());
        assertEquals("/w", config.config().workingDir());
        assertEquals(1, config.diffIds().size());
        assertEquals(1_704_067_200L, config.createdInstant().getEpochSecond());
        String written = new String(OciJson.write(config), StandardCharsets.UTF_8);
        assertTrue(written.contains("\"diff_ids\":[\"sha256:" + "c".repeat(64) + "\"]"), written);
        assertTrue(written.contains("\"Cmd\":[\"sh\"]"), written);
        assertTrue(written.contains("\"empty_layer\":true"), written);
    }
}
