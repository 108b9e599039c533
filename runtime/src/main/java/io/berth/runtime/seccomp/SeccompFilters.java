package io.berth.runtime.seccomp;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.oci.runtime.Seccomp;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads the OCI spec's linux.seccomp into a {@link SeccompFilter}, checking every field on the way. */
public final class SeccompFilters {
    private SeccompFilters() {}

    public static SeccompFilter fromSpec(Seccomp seccomp) {
        if (seccomp.defaultAction() == null) throw new InvalidArgumentException("seccomp: defaultAction is missing");
        SeccompAction defaultAction = SeccompAction.parse(seccomp.defaultAction(), seccomp.defaultErrnoRet());
        if (seccomp.flags() != null) {
            for (String flag : seccomp.flags()) {
                // Flags change how the kernel installs the filter, not what it decides; TSYNC is implied
                // because the filter goes in before the container's first thread exists.
                if (!flag.equals("SECCOMP_FILTER_FLAG_TSYNC") && !flag.equals("SECCOMP_FILTER_FLAG_LOG")
                        && !flag.equals("SECCOMP_FILTER_FLAG_SPEC_ALLOW")) {
                    throw new InvalidArgumentException("seccomp: unsupported flag " + flag);
                }
            }
        }
        Set<Architecture> architectures = new LinkedHashSet<>();
        if (seccomp.architectures() == null || seccomp.architectures().isEmpty()) {
            architectures.add(Architecture.X86_64);
        } else {
            for (String name : seccomp.architectures()) {
                // A profile written for several CPU families names ABIs this machine cannot run.
                if (Architecture.isForeign(name)) continue;
                architectures.add(Architecture.fromScmpName(name));
            }
            if (architectures.isEmpty()) architectures.add(Architecture.X86_64);
        }
        List<SeccompRule> rules = new ArrayList<>();
        if (seccomp.syscalls() != null) {
            for (Seccomp.Syscall call : seccomp.syscalls()) {
                if (call.names() == null || call.names().isEmpty()) {
                    throw new InvalidArgumentException("seccomp: a syscalls entry has no names");
                }
                if (call.action() == null) {
                    throw new InvalidArgumentException("seccomp: the entry for " + call.names() + " has no action");
                }
                List<ArgCondition> conditions = new ArrayList<>();
                if (call.args() != null) {
                    for (Seccomp.Arg arg : call.args()) {
                        if (arg.op() == null) throw new InvalidArgumentException("seccomp: an argument of " + call.names() + " has no op");
                        conditions.add(new ArgCondition(arg.index(), arg.value(),
                                arg.valueTwo() == null ? 0 : arg.valueTwo(), ArgCondition.parseOp(arg.op())));
                    }
                }
                rules.add(new SeccompRule(call.names(), SeccompAction.parse(call.action(), call.errnoRet()), conditions));
            }
        }
        return new SeccompFilter(defaultAction, List.copyOf(architectures), rules);
    }
}
