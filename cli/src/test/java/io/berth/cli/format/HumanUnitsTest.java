package io.berth.cli.format;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HumanUnitsTest {
    @Test
    void durationsUseDockersThresholds() {
        assertEquals("Less than a second", HumanUnits.duration(Duration.ofMillis(900)));
        assertEquals("1 second", HumanUnits.duration(Duration.ofSeconds(1)));
        assertEquals("59 seconds", HumanUnits.duration(Duration.ofSeconds(59)));
        assertEquals("About a minute", HumanUnits.duration(Duration.ofSeconds(60)));
        assertEquals("About a minute", HumanUnits.duration(Duration.ofSeconds(119)));
        assertEquals("2 minutes", HumanUnits.duration(Duration.ofMinutes(2)));
        assertEquals("59 minutes", HumanUnits.duration(Duration.ofMinutes(59)));
        assertEquals("About an hour", HumanUnits.duration(Duration.ofMinutes(89)));
        assertEquals("2 hours", HumanUnits.duration(Duration.ofMinutes(90)));
        assertEquals("47 hours", HumanUnits.duration(Duration.ofHours(47)));
        assertEquals("2 days", HumanUnits.duration(Duration.ofHours(48)));
        assertEquals("13 days", HumanUnits.duration(Duration.ofDays(13)));
        assertEquals("2 weeks", HumanUnits.duration(Duration.ofDays(14)));
        assertEquals("2 months", HumanUnits.duration(Duration.ofDays(60)));
        assertEquals("2 years", HumanUnits.duration(Duration.ofDays(365 * 2 + 1)));
        assertEquals("5 seconds ago", HumanUnits.ago(Duration.ofSeconds(5)));
    }

    @Test
    void sizesUseDecimalUnitsWithThreeSignificantDigits() {
        assertEquals("0B", HumanUnits.size(0));
        assertEquals("999B", HumanUnits.size(999));
        assertEquals("1kB", HumanUnits.size(1000));
        assertEquals("1.99MB", HumanUnits.size(1_990_656));
        assertEquals("4.26MB", HumanUnits.size(4_261_235));
        assertEquals("123MB", HumanUnits.size(123_456_789));
        assertEquals("1.5GB", HumanUnits.size(1_500_000_000L));
    }

    @Test
    void memoryUsesBinaryUnitsWithFourSignificantDigits() {
        assertEquals("7.657GiB", HumanUnits.binarySize(8_221_966_336L));
        assertEquals("512MiB", HumanUnits.binarySize(512L * 1024 * 1024));
        assertEquals("1KiB", HumanUnits.binarySize(1024));
    }
}
