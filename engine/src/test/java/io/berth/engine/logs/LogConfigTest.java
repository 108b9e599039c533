package io.berth.engine.logs;

import io.berth.errdefs.InvalidArgumentException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogConfigTest {
    @Test
    void readsDockersSizesAndFileCounts() {
        LogConfig c = new LogConfig("json-file", Map.of("max-size", "10k", "max-file", "3"));
        c.check();
        assertEquals(10 * 1024, c.maxSize());
        assertEquals(3, c.maxFiles());
        assertEquals(5L << 20, LogConfig.parseSize("5m"));
        assertEquals(1L << 30, LogConfig.parseSize("1GB"));
        assertEquals(100, LogConfig.parseSize("100"));
        assertEquals(-1, LogConfig.DEFAULT.maxSize());
        assertEquals(1, LogConfig.DEFAULT.maxFiles());
    }

    @Test
    void refusesWhatCannotBeHonouredNamingTheOption() {
        assertMessage("logging driver", new LogConfig("syslog", Map.of()));
        assertMessage("unknown log opt 'max-age'", new LogConfig("json-file", Map.of("max-age", "1")));
        assertMessage("max-size: ten", new LogConfig("json-file", Map.of("max-size", "ten")));
        assertMessage("max-file cannot be less than 1", new LogConfig("json-file", Map.of("max-size", "1m", "max-file", "0")));
        assertMessage("max-file cannot be set when max-size is not set", new LogConfig("json-file", Map.of("max-file", "2")));
    }

    private static void assertMessage(String expected, LogConfig config) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, config::check);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
