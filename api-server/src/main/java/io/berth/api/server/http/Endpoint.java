package io.berth.api.server.http;

/** Serves one route; runs on a virtual thread, so it may block on the engine. */
@FunctionalInterface
public interface Endpoint {
    void handle(Exchange exchange) throws Exception;
}
