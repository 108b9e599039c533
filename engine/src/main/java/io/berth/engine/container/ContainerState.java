package io.berth.engine.container;

import java.util.Locale;

/** Lifecycle states, spelled as docker reports them in State.Status. */
public enum ContainerState {
    CREATED, RUNNING, PAUSED, EXITED, DEAD, REMOVING;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ContainerState fromApiName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
