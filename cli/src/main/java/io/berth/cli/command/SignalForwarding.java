package io.berth.cli.command;

import io.berth.cli.client.ApiRequest;
import io.berth.cli.client.EngineClient;
import sun.misc.Signal;

import java.io.IOException;
import java.util.List;

/**
 * docker run's sig-proxy: while the CLI is attached, SIGINT, SIGTERM and SIGHUP sent to it are
 * passed on to the container through the kill endpoint instead of ending the CLI.
 */
final class SignalForwarding {
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");

    private SignalForwarding() {
    }

    static void forward(EngineClient client, String container) {
        for (String name : FORWARDED) {
            Signal.handle(new Signal(name), signal -> Thread.ofVirtual().start(() -> kill(client, container, "SIG" + signal.getName())));
        }
    }

    private static void kill(EngineClient client, String container, String signal) {
        try {
            client.call(ApiRequest.post(EngineClient.query(container + "/kill", EngineClient.parameters("signal", signal))));
        } catch (IOException | RuntimeException e) {
            // The container may already be gone; its exit ends the run anyway.
        }
    }
}
