package io.berth.image.registry;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InsecureRegistriesTest {
    @Test
    void loopbackIsAlwaysInsecureOthersOnlyWhenListed() {
        InsecureRegistries insecure = new InsecureRegistries(List.of("myreg:5000", "10.1.0.0/16", "plain.example"));
        assertTrue(insecure.isInsecure("127.0.0.1:5000"));
        assertTrue(insecure.isInsecure("127.9.9.9"));
        assertTrue(insecure.isInsecure("localhost:5000"));
        assertTrue(insecure.isInsecure("myreg:5000"));
        assertFalse(insecure.isInsecure("myreg:5001"));
        assertTrue(insecure.isInsecure("plain.example:443"));
        assertTrue(insecure.isInsecure("10.1.200.3:5000"));
        assertFalse(insecure.isInsecure("10.2.0.1:5000"));
        assertFalse(insecure.isInsecure("registry-1.docker.io"));
    }
}
