package io.berth.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** What a later runtime instance needs to find a container again: state.json in its state directory. */
record ContainerState(int pid, int monitorPid, String startedAt, String cgroupsPath) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE = "state.json";

    void write(Path stateDir) throws IOException {
        Path tmp = stateDir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    static ContainerState read(Path stateDir) throws IOException {
        // Files, not Jackson, opens it: a missing file must be a NoSuchFileException.
        return JSON.readValue(Files.readAllBytes(stateDir.resolve(FILE)), ContainerState.class);
    }
}
