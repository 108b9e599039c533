package io.berth.cli.format;

import io.berth.api.model.ContainerSummary;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ContainerTableTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000);

    private static ContainerSummary container(String id, String image, String command, long ageSeconds, String status,
                                              List<ContainerSummary.Port> ports, String... names) {
        return new ContainerSummary(id, List.of(names), image, "sha256:" + "f".repeat(64), command,
                NOW.getEpochSecond() - ageSeconds, ports, null, null, null, "running", status, null, null, null);
    }

    @Test
    void rendersDockersTableLayout() {
        String table = ContainerTable.render(List.of(
                container("2cbb2b5d84e9646e8a80d7832e9fcb781be1fb5218ac408cb093a5ae30f085bf", "busybox", "sleep 100", 2,
                        "Up 1 second", List.of(), "/t2"),
                container("713a11dff1573bc7618f299d8b2fa301ce0e24f7a8db2bf4795bcbef57f7a654", "busybox",
                        "sh -c 'echo out; echo err >&2; exit 3'", 3, "Exited (3) 2 seconds ago", List.of(), "/t1")), NOW, true);
        // Captured from the docker CLI against dockerd for the same containers.
        assertEquals("""
                CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS                     PORTS     NAMES
                2cbb2b5d84e9   busybox   "sleep 100"              2 seconds ago   Up 1 second                          t2
                713a11dff157   busybox   "sh -c 'echo out; ec…"   3 seconds ago   Exited (3) 2 seconds ago             t1
                """, table);
    }

    @Test
    void truncatesAndQuotesCommands() {
        assertEquals("\"sh -c 'echo out; ec…\"", ContainerTable.command("sh -c 'echo out; echo err >&2; exit 3'", true));
        assertEquals("\"exactly twenty chars\"", ContainerTable.command("exactly twenty chars", true));
        assertEquals("\"say \\\"hi\\\"\"", ContainerTable.command("say \"hi\"", true));
        assertEquals("\"sh -c 'echo out; echo err >&2; exit 3'\"", ContainerTable.command("sh -c 'echo out; echo err >&2; exit 3'", false));
    }

    @Test
    void formatsPortsAndNames() {
        assertEquals("0.0.0.0:8080->80/tcp, 53/udp, [::]:8080->80/tcp", ContainerTable.ports(List.of(
                new ContainerSummary.Port("0.0.0.0", 80, 8080, "tcp"),
                new ContainerSummary.Port(null, 53, null, "udp"),
                new ContainerSummary.Port("::", 80, 8080, "tcp"))));
        assertEquals("web", ContainerTable.names(List.of("/web", "/other/alias"), true));
        assertEquals("web,other/alias", ContainerTable.names(List.of("/web", "/other/alias"), false));
    }

    @Test
    void shortensImageIdsAndDigests() {
        ContainerSummary byId = container("a".repeat(64), "sha256:" + "b".repeat(64), "true", 1, "Created", List.of(), "/x");
        assertEquals("bbbbbbbbbbbb", ContainerTable.image(byId, true));
        ContainerSummary byDigest = container("a".repeat(64), "busybox@sha256:" + "c".repeat(64), "true", 1, "Created", List.of(), "/x");
        assertEquals("busybox", ContainerTable.image(byDigest, true));
        assertEquals("busybox@sha256:" + "c".repeat(64), ContainerTable.image(byDigest, false));
    }
}
