package io.berth.engine.logs;

/** The output stream a log line came from; the numbers are the docker multiplexed-stream frame types. */
public enum LogStream {
    STDOUT(1), STDERR(2);

    private final int frameType;

    LogStream(int frameType) { this.frameType = frameType; }

    public int frameType() { return frameType; }

    static LogStream parse(String name) {
        return "stderr".equals(name) ? STDERR : STDOUT;
    }
}
