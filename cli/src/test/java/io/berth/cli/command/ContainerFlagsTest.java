package io.berth.cli.command;

import io.berth.api.model.PortBinding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ContainerFlagsTest {
    @Test
    void memorySizesAreBinaryMultiples() {
        assertEquals(512L * 1024 * 1024, ContainerFlags.memoryBytes("512m"));
        assertEquals(1L << 30, ContainerFlags.memoryBytes("1g"));
        assertEquals(1536L * 1024 * 1024, ContainerFlags.memoryBytes("1.5GB"));
        assertEquals(1000, ContainerFlags.memoryBytes("1000"));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.memoryBytes("lots"));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.memoryBytes("-1m"));
    }

    @Test
    void cpusBecomeNanoCpus() {
        assertEquals(1_500_000_000L, ContainerFlags.nanoCpus("1.5"));
        assertEquals(250_000_000L, ContainerFlags.nanoCpus("0.25"));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.nanoCpus("two"));
    }

    @Test
    void publishedPortsParseDockersForms() {
        assertEquals(new ContainerFlags.PublishedPort("80/tcp", new PortBinding("", "8080")),
                ContainerFlags.publishedPort("8080:80"));
        assertEquals(new ContainerFlags.PublishedPort("53/udp", new PortBinding("127.0.0.1", "5353")),
                ContainerFlags.publishedPort("127.0.0.1:5353:53/udp"));
        assertEquals(new ContainerFlags.PublishedPort("80/tcp", new PortBinding("", "")),
                ContainerFlags.publishedPort("80"));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.publishedPort("http"));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.publishedPort("80/icmp"));
    }

    @Test
    void restartPolicies() {
        assertEquals("on-failure", ContainerFlags.restartPolicy("on-failure:3").name());
        assertEquals(3, ContainerFlags.restartPolicy("on-failure:3").maximumRetryCount());
        assertEquals("always", ContainerFlags.restartPolicy("always").name());
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.restartPolicy("sometimes"));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.restartPolicy("always:2"));
    }

    @Test
    void environmentTakesUnsetNamesFromTheCli() {
        assertEquals(List.of("A=1", "B=from-cli", "EMPTY="),
                ContainerFlags.environment(List.of("A=1", "B", "MISSING", "EMPTY="), Map.of("B", "from-cli")));
        assertThrows(IllegalArgumentException.class, () -> ContainerFlags.environment(List.of("=x"), Map.of()));
    }
}
