package io.berth.engine.security;

import io.berth.errdefs.InvalidArgumentException;

import java.util.List;

/**
 * A container's {@code --security-opt} values as dockerd reads them: "no-new-privileges[=|:bool]",
 * "seccomp=unconfined" or "seccomp=&lt;profile JSON&gt;" (the docker CLI sends a profile file's
 * content, not its path), "systempaths=unconfined", and "apparmor=…"/"label=…", which are accepted
 * and have no effect on a host without AppArmor or SELinux. The legacy "key:value" form is accepted too.
 *
 * @param seccompProfile the inline profile JSON, or null for the default profile (or none, when unconfined)
 */
public record SecurityOptions(boolean noNewPrivileges, boolean seccompUnconfined, String seccompProfile,
                              boolean systemPathsUnconfined) {

    public static SecurityOptions parse(List<String> options) {
        boolean noNewPrivileges = false, unconfined = false, systemPaths = false;
        String profile = null;
        for (String option : options) {
            if (option.equals("no-new-privileges")) {
                noNewPrivileges = true;
                continue;
            }
            int eq = option.indexOf('='), colon = option.indexOf(':');
            int split = eq >= 0 ? eq : colon;
            if (split <= 0) throw new InvalidArgumentException("invalid --security-opt 1: \"" + option + "\"");
            String key = option.substring(0, split), value = option.substring(split + 1);
            switch (key) {
                case "no-new-privileges" -> noNewPrivileges = switch (value) {
                    case "true", "1", "t", "T", "TRUE", "True" -> true;
                    case "false", "0", "f", "F", "FALSE", "False" -> false;
                    default -> throw new InvalidArgumentException("invalid --security-opt 2: \"" + option + "\"");
                };
                case "seccomp" -> {
                    unconfined = value.equals("unconfined");
                    profile = unconfined || value.isEmpty() ? null : value;
                }
                case "systempaths" -> {
                    if (!value.equals("unconfined")) {
                        throw new InvalidArgumentException("invalid --security-opt 2: \"" + option
                                + "\": systempaths only accepts \"unconfined\"");
                    }
                    systemPaths = true;
                }
                case "apparmor", "label" -> { /* no AppArmor or SELinux confinement on this host */ }
                default -> throw new InvalidArgumentException("invalid --security-opt 2: \"" + option + "\"");
            }
        }
        return new SecurityOptions(noNewPrivileges, unconfined, profile, systemPaths);
    }
}
