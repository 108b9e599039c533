package io.berth.engine.container;

/** How a container run ended, as a wait reports it; {@code error} is empty when the exit was normal. */
public record ExitResult(int exitCode, String error) {}
