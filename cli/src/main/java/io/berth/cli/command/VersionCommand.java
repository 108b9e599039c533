package io.berth.cli.command;

import io.berth.api.model.SystemVersion;
import io.berth.cli.client.EngineClient;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** `berth version`: client and server versions in docker's layout (values aligned at column 20). */
@Command(name = "version", description = "Show the Berth version information")
final class VersionCommand extends ApiCommand {
    private static final int VALUE_COLUMN = 20;
    /** Go's time.ANSIC, which docker uses for "Built:". */
    private static final DateTimeFormatter ANSIC = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    @Override
    public Integer call() throws IOException {
        PrintStream out = out();
        SystemVersion server;
        String apiVersion;
        try {
            server = client().getJson("/version", SystemVersion.class);
            apiVersion = client().apiVersion();
        } catch (IOException | RuntimeException unreachable) {
            // Like docker: the client half is still worth showing when the daemon is not.
            printClient(out, EngineClient.MAX_API_VERSION);
            throw unreachable;
        }
        printClient(out, apiVersion.equals(EngineClient.MAX_API_VERSION) ? apiVersion
                : apiVersion + " (downgraded from " + EngineClient.MAX_API_VERSION + ")");
        out.println();
        String platform = server.platform() == null ? null : server.platform().name();
        out.println("Server:" + (platform == null || platform.isEmpty() ? "" : " " + platform));
        boolean engineListed = server.components() != null
                && server.components().stream().anyMatch(component -> "Engine".equals(component.name()));
        if (!engineListed) {
            printEngine(out, server);
        }
        if (server.components() != null) {
            for (SystemVersion.Component component : server.components()) {
                if ("Engine".equals(component.name())) {
                    printEngine(out, server);
                } else {
                    out.println(" " + component.name() + ":");
                    line(out, "  ", "Version", component.version());
                    new TreeMap<>(component.details() == null ? Map.<String, String>of() : component.details())
                            .forEach((key, value) -> line(out, "  ", key, value));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static void printClient(PrintStream out, String apiVersion) {
        out.println("Client:");
        line(out, " ", "Version", BerthCommand.CLIENT_VERSION);
        line(out, " ", "API version", apiVersion);
        line(out, " ", "Java version", Runtime.version().toString());
        line(out, " ", "OS/Arch", "linux/" + goArch(System.getProperty("os.arch")));
        out.flush();
    }

    private static void printEngine(PrintStream out, SystemVersion server) {
        out.println(" Engine:");
        line(out, "  ", "Version", server.version());
        line(out, "  ", "API version", server.apiVersion() + (server.minApiVersion() != null ? " (minimum version " + server.minApiVersion() + ")" : ""));
        line(out, "  ", "Go version", server.goVersion());
        line(out, "  ", "Git commit", server.gitCommit());
        line(out, "  ", "Built", built(server.buildTime()));
        line(out, "  ", "OS/Arch", server.os() + "/" + server.arch());
        line(out, "  ", "Experimental", String.valueOf(Boolean.TRUE.equals(server.experimental())));
    }

    private static void line(PrintStream out, String indent, String key, String value) {
        String label = indent + key + ":";
        out.println(label + " ".repeat(Math.max(1, VALUE_COLUMN - label.length())) + (value == null ? "" : value));
    }

    static String built(String buildTime) {
        if (buildTime == null) {
            return "";
        }
        try {
            return OffsetDateTime.parse(buildTime).withOffsetSameInstant(ZoneOffset.UTC).format(ANSIC);
        } catch (DateTimeParseException notRfc3339) {
            return buildTime;
        }
    }

    private static String goArch(String javaArch) {
        return switch (javaArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> javaArch;
        };
    }
}
