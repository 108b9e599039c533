package io.berth.cli.command;

import io.berth.cli.client.DaemonErrorException;
import io.berth.cli.client.EngineClient;
import io.berth.cli.format.GoTemplate;
import io.berth.cli.format.JsonIndenter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * `berth inspect [--type container|image] [-f TEMPLATE]`: the daemon's JSON as a pretty-printed
 * array, or one line per object rendered through a (small subset of a) Go template.
 */
@Command(name = "inspect", description = "Return low-level information on containers or images")
final class InspectCommand extends ApiCommand {
    @Option(names = "--type", description = "Only inspect objects of the given type (container or image)")
    String type;

    @Option(names = {"-f", "--format"}, description = "Format output using a Go template ({{.Path.To.Field}}, {{json .X}})")
    String format;

    @Parameters(arity = "1..*", paramLabel = "NAME|ID")
    List<String> names;

    @Override
    public Integer call() throws IOException {
        if (type != null && !type.equals("container") && !type.equals("image")) {
            throw new IllegalArgumentException("\"" + type + "\" is not a valid value for --type");
        }
        GoTemplate template = format == null ? null : GoTemplate.parse(format);
        List<String> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            String json = find(name);
            if (json == null) {
                missing.add(name);
            } else {
                found.add(json);
            }
        }
        if (template == null) {
            out().println(JsonIndenter.indent("[" + String.join(",", found) + "]"));
        } else {
            for (String json : found) {
                out().println(template.render(client().mapper().readTree(json)));
            }
        }
        out().flush();
        missing.forEach(name -> err().println("Error: No such object: " + name));
        return missing.isEmpty() ? 0 : 1;
    }

    /** The raw JSON of a container or else an image by that name, or null when neither exists. */
    private String find(String name) throws IOException {
        String segment = EngineClient.segment(name);
        if (type == null || type.equals("container")) {
            String container = rawOrNull("/containers/" + segment + "/json");
            if (container != null || "container".equals(type)) {
                return container;
            }
        }
        return rawOrNull("/images/" + segment + "/json");
    }

    private String rawOrNull(String path) throws IOException {
        try {
            return new String(client().getRaw(path), StandardCharsets.UTF_8).strip();
        } catch (DaemonErrorException e) {
            if (e.isNotFound()) {
                return null;
            }
            throw e;
        }
    }
}
