package io.berth.runtime.seccomp;

import java.util.List;

/**
 * A seccomp policy ready to compile: the default action, the ABIs it admits (any other ABI is
 * killed), and rules in the order given. Built from the OCI spec's linux.seccomp.
 */
public record SeccompFilter(SeccompAction defaultAction, List<Architecture> architectures, List<SeccompRule> rules) {
    public SeccompFilter {
        architectures = List.copyOf(architectures);
        rules = List.copyOf(rules);
    }
}
