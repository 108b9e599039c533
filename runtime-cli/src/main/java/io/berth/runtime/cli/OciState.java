package io.berth.runtime.cli;

import io.berth.runtime.json.Json;
import io.berth.runtime.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OCI state document `state` prints (runc's fields); what the runtime does not track itself (bundle,
 * rootfs, creation time, annotations) is kept beside its state in {@code <root>/<id>/oci.json}.
 */
record OciState(String ociVersion, String id, int pid, String status, String bundle, String rootfs, String created,
                Map<String, String> annotations) {
    static final String FILE = "oci.json";

    OciState withProcess(int pid, String status) {
        return new OciState(ociVersion, id, pid, status, bundle, rootfs, created, annotations);
    }

    void write(Path stateDir) throws IOException {
        Files.writeString(stateDir.resolve(FILE), Json.write(toJson(), false));
    }

    static OciState read(Path stateDir) throws IOException {
        JsonObject s = JsonObject.of(Json.parse(Files.readString(stateDir.resolve(FILE))), FILE);
        return new OciState(s.string("ociVersion"), s.string("id"), (int) s.primitive("pid"), s.string("status"), s.string("bundle"),
                s.string("rootfs"), s.string("created"), s.stringMap("annotations"));
    }

    /** runc's field order; absent fields are left out. */
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
