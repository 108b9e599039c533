package io.berth.engine.logs;

import java.time.Instant;

/** One record of the json-file log: the bytes a container wrote (usually one line) and when. */
public record LogEntry(LogStream stream, byte[] payload, Instant time) {}
