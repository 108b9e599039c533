package io.berth.cli.command;

import io.berth.api.model.ContainerTop;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.TableWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.util.List;

/** `berth top CONTAINER [ps OPTIONS]`: the container's processes as the host's ps shows them. */
@Command(name = "top", description = "Display the running processes of a container")
final class TopCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "CONTAINER", description = "Container (name or id)")
    String container;
    /** Everything after the container goes to ps, options included, as docker passes it. */
    @Unmatched
    List<String> psOptions;

    @Override
    public Integer call() throws IOException {
        String path = EngineClient.query("/containers/" + EngineClient.segment(container) + "/top",
                EngineClient.parameters("ps_args", psOptions == null || psOptions.isEmpty() ? null : String.join(" ", psOptions)));
        ContainerTop top = client().getJson(path, ContainerTop.class);
        TableWriter table = new TableWriter().row(top.titles());
        top.processes().forEach(table::row);
        out().print(table.render());
        return 0;
    }
}
