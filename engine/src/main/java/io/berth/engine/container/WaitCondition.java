package io.berth.engine.container;

import io.berth.errdefs.InvalidArgumentException;

/** The conditions of POST /containers/{id}/wait. */
public enum WaitCondition {
    NOT_RUNNING, NEXT_EXIT, REMOVED;

    public static WaitCondition parse(String value) {
        if (value == null || value.isEmpty() || value.equals("not-running")) return NOT_RUNNING;
        if (value.equals("next-exit")) return NEXT_EXIT;
        if (value.equals("removed")) return REMOVED;
        throw new InvalidArgumentException("invalid condition: \"" + value + "\"");
    }
}
