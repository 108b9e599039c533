package io.berth.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiJsonTest {
    private final ObjectMapper mapper = ApiJson.newMapper();

    @Test
    void readsADockerCliCreateBodyIgnoringUnknownFields() throws Exception {
        String body = """
                {"Hostname":"","Env":["A=1"],"Cmd":["echo","hello"],"Image":"busybox","Labels":{"k":"v"},
                 "SomethingNew":{"x":1},"HostConfig":{"AutoRemove":true,"Memory":0,
                 "RestartPolicy":{"Name":"no","MaximumRetryCount":0},"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}},
                 "NetworkingConfig":{"EndpointsConfig":{"bridge":{"Aliases":["a"]}}}}""";
        ContainerConfig config = mapper.readValue(body, ContainerConfig.class);
        assertEquals(List.of("echo", "hello"), config.cmd());
        assertEquals("busybox", config.image());
        assertEquals(Map.of("k", "v"), config.labels());
        assertTrue(config.hostConfig().autoRemove());
        assertEquals("no", config.hostConfig().restartPolicy().name());
        assertEquals("8080", config.hostConfig().portBindings().get("80/tcp").getFirst().hostPort());
        assertEquals(List.of("a"), config.networkingConfig().endpointsConfig().get("bridge").aliases());
    }

    @Test
    void acceptsASingleStringCommandLikeDockersStrSlice() throws Exception {
        ContainerConfig config = mapper.readValue("{\"Cmd\":\"sh\",\"Entrypoint\":\"/init\"}", ContainerConfig.class);
        assertEquals(List.of("sh"), config.cmd());
        assertEquals(List.of("/init"), config.entrypoint());
    }

    @Test
    void writesDockersPascalCaseNamesAndOmitsNulls() throws Exception {
        var state = new ContainerInspect.State("exited", false, false, false, false, false, 0, 3, "",
                "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z");
        JsonNode json = mapper.valueToTree(new ContainerInspect("abc", "2024-01-01T00:00:00Z", "echo", List.of("hi"),
                state, "sha256:1", null, null, null, null, "/x", 0, "overlay2", "linux", "", "", "", null,
                null, null, null, null, List.of(), null, null));
        assertEquals("abc", json.get("Id").asText());
        assertEquals(3, json.get("State").get("ExitCode").asInt());
        assertTrue(json.get("State").has("OOMKilled"));
        assertFalse(json.has("HostConfig"));
        assertFalse(json.has("id"), "record accessor names must not leak");
    }

    @Test
    void writesProgressInLowerCamelCase() throws Exception {
        assertEquals("{\"status\":\"Pulling fs layer\",\"id\":\"abc\"}",
                mapper.writeValueAsString(ProgressMessage.status("abc", "Pulling fs layer")));
        ProgressMessage failure = mapper.readValue(mapper.writeValueAsString(ProgressMessage.failure("boom")),
                ProgressMessage.class);
        assertEquals("boom", failure.errorDetail().message());
    }

    @Test
    void readsSystemInfoWithLowercaseRuntimeKeys() throws Exception {
        SystemInfo info = mapper.readValue("""
                {"ID":"x","NCPU":2,"MemTotal":1024,"Runtimes":{"runc":{"path":"runc"}},"Swarm":{"LocalNodeState":"inactive"}}""",
                SystemInfo.class);
        assertEquals("runc", info.runtimes().get("runc").path());
        assertEquals("inactive", info.swarm().localNodeState());
        assertEquals(2, info.ncpu());
        assertNull(info.driver());
    }

    @Test
    void waitResponseRoundTrips() throws Exception {
        WaitResponse wait = mapper.readValue("{\"StatusCode\":3,\"Error\":null}", WaitResponse.class);
        assertEquals(3, wait.statusCode());
        assertEquals("{\"StatusCode\":3}", mapper.writeValueAsString(wait));
    }
}
