package io.berth.cli.command;

import io.berth.api.model.ContainerUpdateResponse;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** `berth update`: changes the resource limits of containers, running or not, and prints each name given. */
@Command(name = "update", description = "Update configuration of one or more containers")
final class UpdateCommand extends EachContainerCommand {
    @Mixin
    ResourceFlags resources = new ResourceFlags();

    @Override
    public Integer call() throws IOException {
        if (body().isEmpty()) {
            err().println("you must provide one or more flags when using this command");
            return 1;
        }
        return super.call();
    }

    private Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        resources.addTo(body);
        return body;
    }

    @Override
    String apply(String container) throws IOException {
        ContainerUpdateResponse answer = client().postJson("/containers/" + EngineClient.segment(container) + "/update",
                body(), ContainerUpdateResponse.class);
        if (answer.warnings() != null) answer.warnings().forEach(w -> err().println("WARNING: " + w));
        return container;
    }
}
