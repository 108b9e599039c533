package io.berth.engine.image;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.image.ImageConfig.ContainerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConfigChangesTest {
    private static final ContainerConfig BASE = new ContainerConfig(null, null, List.of("PATH=/bin", "A=1"),
            null, List.of("sh"), null, "/app", Map.of("keep", "yes"), null);

    @Test
    void cmdInExecAndShellForm() {
        assertEquals(List.of("echo", "hi"), ConfigChanges.apply(BASE, List.of("CMD [\"echo\",\"hi\"]")).cmd());
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), ConfigChanges.apply(BASE, List.of("CMD echo hi")).cmd());
        assertEquals(List.of("/x"), ConfigChanges.apply(BASE, List.of("entrypoint [\"/x\"]")).entrypoint());
    }

    @Test
    void envReplacesAndAddsInBothForms() {
        assertEquals(List.of("PATH=/bin", "A=2", "B=two words"),
                ConfigChanges.apply(BASE, List.of("ENV A=2 B=\"two words\"")).env());
        assertEquals(List.of("PATH=/bin", "A=1", "C=x y"), ConfigChanges.apply(BASE, List.of("ENV C x y")).env());
    }

    @Test
    void labelsPortsUserWorkdirAndStopSignal() {
        ContainerConfig c = ConfigChanges.apply(BASE, List.of("LABEL a=b", "EXPOSE 80 53/udp", "USER nobody",
                "WORKDIR sub", "STOPSIGNAL SIGINT", "VOLUME /data"));
        assertEquals(Map.of("keep", "yes", "a", "b"), c.labels());
        assertEquals(List.of("80/tcp", "53/udp"), List.copyOf(c.exposedPorts().keySet()));
        assertEquals("nobody", c.user());
        assertEquals("/app/sub", c.workingDir());
        assertEquals("SIGINT", c.stopSignal());
        assertTrue(c.volumes().containsKey("/data"));
    }

    @Test
    void unknownInstructionsAndBadArgumentsAreRefused() {
        var unknown = assertThrows(InvalidArgumentException.class, () -> ConfigChanges.apply(BASE, List.of("RUN true")));
        assertTrue(unknown.getMessage().contains("RUN is not a valid change command"), unknown.getMessage());
        assertThrows(InvalidArgumentException.class, () -> ConfigChanges.apply(BASE, List.of("LABEL novalue")));
        assertThrows(InvalidArgumentException.class, () -> ConfigChanges.apply(BASE, List.of("CMD [broken")));
        assertThrows(InvalidArgumentException.class, () -> ConfigChanges.apply(BASE, List.of("USER")));
    }
}
