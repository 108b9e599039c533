package io.berth.runtime;

import io.berth.runtime.json.Json;
import io.berth.runtime.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a later runtime instance needs to find a container again: state.json in its state directory.
 * {@code awaitingStart}: created, its process not yet released to exec (absent in Step 1 files: false).
 */
record ContainerState(int pid, int monitorPid, String startedAt, String cgroupsPath, boolean awaitingStart) {
    static final String FILE = "state.json";

    void write(Path stateDir) throws IOException {
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("pid", pid);
        fields.put("monitorPid", monitorPid);
        fields.put("startedAt", startedAt);
        fields.put("cgroupsPath", cgroupsPath);
        fields.put("awaitingStart", awaitingStart);
        Files.writeString(tmp, Json.write(fields, false));
        Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    /** This state once start has released the process. */
    ContainerState started() {
        return new ContainerState(pid, monitorPid, startedAt, cgroupsPath, false);
    }

    static ContainerState read(Path stateDir) throws IOException {
        // a missing file must be a NoSuchFileException
        JsonObject state = JsonObject.of(Json.parse(Files.readString(stateDir.resolve(FILE))), FILE);
        return new ContainerState((int) state.primitive("pid"), (int) state.primitive("monitorPid"), state.string("startedAt"),
                state.string("cgroupsPath"), Boolean.TRUE.equals(state.bool("awaitingStart")));
    }
}
