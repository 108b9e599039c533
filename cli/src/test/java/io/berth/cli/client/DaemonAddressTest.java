package io.berth.cli.client;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonAddressTest {
    @Test
    void parsesUnixSockets() {
        assertEquals(new DaemonAddress.Unix("/run/berth.sock"), DaemonAddress.parse("unix:///run/berth.sock"));
        assertEquals("unix:///run/berth.sock", DaemonAddress.parse("unix:///run/berth.sock").display());
    }

    @Test
    void parsesTcpWithAndWithoutPort() {
        assertEquals(new DaemonAddress.Tcp("127.0.0.1", 2376), DaemonAddress.parse("tcp://127.0.0.1:2376"));
        assertEquals(new DaemonAddress.Tcp("localhost", 2375), DaemonAddress.parse("tcp://localhost"));
        assertEquals(new DaemonAddress.Tcp("::1", 2375), DaemonAddress.parse("tcp://[::1]:2375"));
        assertEquals("tcp://[::1]:2375", DaemonAddress.parse("tcp://[::1]:2375").display());
    }

    @Test
    void rejectsOtherFormsWithAClearMessage() {
        for (String bad : new String[]{"http://localhost:2375", "/run/berth.sock", "unix://relative.sock", "tcp://", "tcp://host:port", "tcp://h:1/path"}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> DaemonAddress.parse(bad), bad);
            assertTrue(error.getMessage().startsWith("invalid daemon address \"" + bad + "\""), error.getMessage());
        }
    }

    @Test
    void flagBeatsBerthHostBeatsDockerHostBeatsDefault() {
        Map<String, String> both = Map.of("BERTH_HOST", "unix:///b.sock", "DOCKER_HOST", "unix:///d.sock");
        assertEquals(new DaemonAddress.Unix("/f.sock"), DaemonAddress.resolve("unix:///f.sock", both));
        assertEquals(new DaemonAddress.Unix("/b.sock"), DaemonAddress.resolve(null, both));
        assertEquals(new DaemonAddress.Unix("/d.sock"), DaemonAddress.resolve(null, Map.of("DOCKER_HOST", "unix:///d.sock")));
        assertEquals(new DaemonAddress.Unix("/run/berth.sock"), DaemonAddress.resolve(null, Map.of("BERTH_HOST", " ")));
    }
}
