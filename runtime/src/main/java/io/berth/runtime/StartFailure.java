package io.berth.runtime;

/** The container could not be started; the message is the runtime's text, e.g. {@code exec: "foo": executable file not found in $PATH}. */
public final class StartFailure extends Exception {
    public enum Kind { COMMAND_NOT_FOUND, PERMISSION_DENIED, OTHER }

    private final String step;
    private final Kind kind;

    public StartFailure(String step, Kind kind, String message) {
        super(message);
        this.step = step;
        this.kind = kind;
    }

    public StartFailure(String step, String message, Throwable cause) {
        super(message, cause);
        this.step = step;
        this.kind = Kind.OTHER;
    }

    /** Which setup step failed: "exec", "mount /proc", "cgroup", ... */
    public String step() { return step; }

    public Kind kind() { return kind; }
}
