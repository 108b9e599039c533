package io.berth.runtime.seccomp;

import java.util.List;

/** An action for the named calls when every condition holds (no conditions: always). */
public record SeccompRule(List<String> names, SeccompAction action, List<ArgCondition> conditions) {
    public SeccompRule {
        names = List.copyOf(names);
        conditions = List.copyOf(conditions);
    }
}
