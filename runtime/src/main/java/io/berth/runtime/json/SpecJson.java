package io.berth.runtime.json;

import io.berth.oci.runtime.Linux;
import io.berth.oci.runtime.LinuxResources;
import io.berth.oci.runtime.Mount;
import io.berth.oci.runtime.Process;
import io.berth.oci.runtime.Root;
import io.berth.oci.runtime.Seccomp;
import io.berth.oci.runtime.Spec;

/** An OCI runtime config.json read into {@link Spec}, field by field (see {@link Json} for why not reflectively). */
public final class SpecJson {
    private SpecJson() {}

    /** @throws IllegalArgumentException naming the offending field when the text is not a well-formed spec */
    public static Spec read(String text) {
        JsonObject s = JsonObject.of(Json.parse(text), "config");
        if (s == null) throw new IllegalArgumentException("config: expected an object");
        return new Spec(s.string("ociVersion"), process(s.object("process")), root(s.object("root")), s.string("hostname"),
                s.string("domainname"), s.objects("mounts", SpecJson::mount), linux(s.object("linux")), s.stringMap("annotations"));
    }

    /** A process.json (runc exec --process): the spec's process object alone. */
    public static Process readProcess(String text) {
        Process process = process(JsonObject.of(Json.parse(text), "process"));
        if (process == null) throw new IllegalArgumentException("process: expected an object");
        return process;
    }

    private static Root root(JsonObject r) {
        return r == null ? null : new Root(r.string("path"), r.bool("readonly"));
    }

    private static Mount mount(JsonObject m) {
        return new Mount(m.string("destination"), m.string("type"), m.string("source"), m.strings("options"));
    }

    private static Process process(JsonObject p) {
        if (p == null) return null;
        JsonObject size = p.object("consoleSize"), user = p.object("user"), caps = p.object("capabilities");
        return new Process(p.bool("terminal"),
                size == null ? null : new Process.ConsoleSize(size.intValue("height") == null ? 0 : size.intValue("height"),
                        size.intValue("width") == null ? 0 : size.intValue("width")),
                user == null ? null : new Process.User(user.primitive("uid"), user.primitive("gid"), user.intValue("umask"),
                        user.longs("additionalGids"), user.string("username")),
                p.strings("args"), p.string("commandLine"), p.strings("env"), p.string("cwd"),
                caps == null ? null : new Process.Capabilities(caps.strings("bounding"), caps.strings("effective"),
                        caps.strings("inheritable"), caps.strings("permitted"), caps.strings("ambient")),
                p.objects("rlimits", l -> new Process.Rlimit(l.string("type"), l.primitive("hard"), l.primitive("soft"))),
                p.bool("noNewPrivileges"), p.string("apparmorProfile"), p.intValue("oomScoreAdj"), p.string("selinuxLabel"));
    }

    private static Linux linux(JsonObject l) {
        if (l == null) return null;
        JsonObject personality = l.object("personality");
        return new Linux(l.objects("namespaces", n -> new Linux.Namespace(n.string("type"), n.string("path"))),
                l.objects("uidMappings", SpecJson::idMapping), l.objects("gidMappings", SpecJson::idMapping), l.stringMap("sysctl"),
                resources(l.object("resources")), l.string("cgroupsPath"), seccomp(l.object("seccomp")), l.string("rootfsPropagation"),
                l.strings("maskedPaths"), l.strings("readonlyPaths"),
                l.objects("devices", d -> new Linux.Device(d.string("path"), d.string("type"), d.longValue("major"), d.longValue("minor"),
                        d.intValue("fileMode"), d.longValue("uid"), d.longValue("gid"))),
                l.string("mountLabel"),
                personality == null ? null : new Linux.Personality(personality.string("domain"), personality.strings("flags")));
    }

    private static Linux.IdMapping idMapping(JsonObject m) {
        return new Linux.IdMapping(m.primitive("containerID"), m.primitive("hostID"), m.primitive("size"));
    }

    private static LinuxResources resources(JsonObject r) {
        if (r == null) return null;
        JsonObject m = r.object("memory"), c = r.object("cpu"), p = r.object("pids"), b = r.object("blockIO"), n = r.object("network");
        return new LinuxResources(
                r.objects("devices", d -> new LinuxResources.DeviceRule(Boolean.TRUE.equals(d.bool("allow")), d.string("type"),
                        d.longValue("major"), d.longValue("minor"), d.string("access"))),
                m == null ? null : new LinuxResources.Memory(m.longValue("limit"), m.longValue("reservation"), m.longValue("swap"),
                        m.longValue("kernel"), m.longValue("kernelTCP"), m.longValue("swappiness"), m.bool("disableOOMKiller"),
                        m.bool("useHierarchy"), m.bool("checkBeforeUpdate")),
                c == null ? null : new LinuxResources.Cpu(c.longValue("shares"), c.longValue("quota"), c.longValue("burst"),
                        c.longValue("period"), c.longValue("realtimeRuntime"), c.longValue("realtimePeriod"), c.string("cpus"),
                        c.string("mems"), c.longValue("idle")),
                p == null ? null : new LinuxResources.Pids(p.longValue("limit")),
                b == null ? null : new LinuxResources.BlockIO(b.intValue("weight"), b.intValue("leafWeight"),
                        b.objects("weightDevice", w -> new LinuxResources.WeightDevice(w.primitive("major"), w.primitive("minor"),
                                w.intValue("weight"), w.intValue("leafWeight"))),
                        b.objects("throttleReadBpsDevice", SpecJson::throttle), b.objects("throttleWriteBpsDevice", SpecJson::throttle),
                        b.objects("throttleReadIOPSDevice", SpecJson::throttle), b.objects("throttleWriteIOPSDevice", SpecJson::throttle)),
                r.objects("hugepageLimits", h -> new LinuxResources.HugepageLimit(h.string("pageSize"), h.primitive("limit"))),
                n == null ? null : new LinuxResources.Network(n.longValue("classID"),
                        n.objects("priorities", x -> new LinuxResources.Priority(x.string("name"), x.primitive("priority")))),
                r.stringMap("unified"));
    }

    private static LinuxResources.ThrottleDevice throttle(JsonObject t) {
        return new LinuxResources.ThrottleDevice(t.primitive("major"), t.primitive("minor"), t.primitive("rate"));
    }

    private static Seccomp seccomp(JsonObject s) {
        if (s == null) return null;
        return new Seccomp(s.string("defaultAction"), s.intValue("defaultErrnoRet"), s.strings("architectures"), s.strings("flags"),
                s.string("listenerPath"), s.string("listenerMetadata"),
                s.objects("syscalls", c -> new Seccomp.Syscall(c.strings("names"), c.string("action"), c.intValue("errnoRet"),
                        c.objects("args", a -> new Seccomp.Arg((int) a.primitive("index"), a.primitive("value"), a.longValue("valueTwo"),
                                a.string("op"))))));
    }
}
