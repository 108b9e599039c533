package io.berth.runtime.cli;

import io.berth.runtime.json.Json;
import io.berth.runtime.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's record in {@code <root>/<id>/oci.json}: the OCI state document `state` prints (runc's fields;
 * {@code status} as stored is "created" or "running", `state` replaces it with what the process shows) plus what
 * the runtime needs to find the container again: its cgroup and pid 1's start time (field 22 of /proc/pid/stat),
 * so a recycled pid is never taken for the container.
 */
record OciState(String ociVersion, String id, int pid, String status, String bundle, String rootfs, String created,
                Map<String, String> annotations, String cgroupsPath, long pidStartTime) {
    static final String FILE = "oci.json";

    OciState withStatus(String status) {
        return new OciState(ociVersion, id, pid, status, bundle, rootfs, created, annotations, cgroupsPath, pidStartTime);
    }

    void write(Path stateDir) throws IOException {
        Map<String, Object> fields = toJson();
        fields.put("cgroupsPath", cgroupsPath);
        fields.put("pidStartTime", pidStartTime);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, Json.write(fields, false));
        Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static OciState read(Path stateDir) throws IOException {
        JsonObject s = JsonObject.of(Json.parse(Files.readString(stateDir.resolve(FILE))), FILE);
        return new OciState(s.string("ociVersion"), s.string("id"), (int) s.primitive("pid"), s.string("status"), s.string("bundle"),
                s.string("rootfs"), s.string("created"), s.stringMap("annotations"), s.string("cgroupsPath"), s.primitive("pidStartTime"));
    }

    /** runc's fields in runc's order; absent ones are left out. */
    Map<String, Object> toJson() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("ociVersion", ociVersion);
        fields.put("id", id);
        fields.put("pid", pid);
        if (status != null) fields.put("status", status);
        fields.put("bundle", bundle);
        fields.put("rootfs", rootfs);
        fields.put("created", created);
        if (annotations != null) fields.put("annotations", annotations);
        return fields;
    }
}
