package io.berth.cli.format;

import io.berth.api.model.ContainerSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The `ps` table: CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES. */
public final class ContainerTable {
    private static final int COMMAND_WIDTH = 20;

    private ContainerTable() {
    }

    /** The fields `ps --format` templates can name, with docker's column headers. */
    public static final Map<String, String> FIELD_HEADERS = fieldHeaders();

    private static Map<String, String> fieldHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ID", "CONTAINER ID");
        headers.put("Image", "IMAGE");
        headers.put("Command", "COMMAND");
        headers.put("CreatedAt", "CREATED AT");
        headers.put("RunningFor", "CREATED");
        headers.put("Ports", "PORTS");
        headers.put("State", "STATE");
        headers.put("Status", "STATUS");
        headers.put("Names", "NAMES");
        headers.put("Labels", "LABELS");
        headers.put("Mounts", "MOUNTS");
        headers.put("Networks", "NETWORKS");
        return Map.copyOf(headers);
    }

    /** One container as the values `ps --format` templates see. */
    public static Map<String, String> fields(ContainerSummary container, Instant now, boolean truncate) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("ID", truncate ? Identifiers.shortId(container.id()) : container.id());
        fields.put("Image", image(container, truncate));
        fields.put("Command", command(container.command(), truncate));
        fields.put("CreatedAt", container.created() == null ? "" : Timestamps.goDefault(Instant.ofEpochSecond(container.created())));
        fields.put("RunningFor", container.created() == null ? "" : HumanUnits.ago(Duration.between(Instant.ofEpochSecond(container.created()), now)));
        fields.put("Ports", ports(container.ports()));
        fields.put("State", container.state() == null ? "" : container.state());
        fields.put("Status", container.status() == null ? "" : container.status());
        fields.put("Names", names(container.names(), truncate));
        fields.put("Labels", container.labels() == null ? "" : container.labels().entrySet().stream()
                .map(label -> label.getKey() + "=" + label.getValue()).collect(Collectors.joining(",")));
        fields.put("Mounts", container.mounts() == null ? "" : container.mounts().stream()
                .map(mount -> mount.name() != null && !mount.name().isEmpty() ? mount.name() : mount.source())
                .collect(Collectors.joining(",")));
        fields.put("Networks", container.networkSettings() == null || container.networkSettings().networks() == null ? ""
                : String.join(",", container.networkSettings().networks().keySet()));
        return fields;
    }

    public static String render(List<ContainerSummary> containers, Instant now, boolean truncate) {
        TableWriter table = new TableWriter().row("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
        for (ContainerSummary container : containers) {
            table.row(truncate ? Identifiers.shortId(container.id()) : container.id(),
                    image(container, truncate),
                    command(container.command(), truncate),
                    container.created() == null ? "" : HumanUnits.ago(Duration.between(Instant.ofEpochSecond(container.created()), now)),
                    container.status() == null ? "" : container.status(),
                    ports(container.ports()),
                    names(container.names(), truncate));
        }
        return table.render();
    }

    /** Shortens a digest-pinned or id-only image the way docker's ps does when truncating. */
    static String image(ContainerSummary container, boolean truncate) {
        String image = container.image();
        if (image == null || image.isEmpty()) {
            return "<no image>";
        }
        if (!truncate) {
            return image;
        }
        if (image.startsWith("sha256:") || (container.imageId() != null && Identifiers.shortId(container.imageId()).equals(Identifiers.shortId(image)))) {
            return Identifiers.shortId(image);
        }
        int at = image.indexOf('@');
        return at > 0 ? image.substring(0, at) : image;
    }

    /** Quoted like Go's strconv.Quote, cut to twenty characters with an ellipsis. */
    static String command(String command, boolean truncate) {
        String text = command == null ? "" : command;
        if (truncate && text.codePointCount(0, text.length()) > COMMAND_WIDTH) {
            text = text.substring(0, text.offsetByCodePoints(0, COMMAND_WIDTH - 1)) + "…";
        }
        StringBuilder quoted = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> quoted.appendCodePoint(c);
            }
        });
        return quoted.append('"').toString();
    }

    static String ports(List<ContainerSummary.Port> ports) {
        if (ports == null) {
            return "";
        }
        List<String> shown = new ArrayList<>();
        for (ContainerSummary.Port port : ports) {
            String containerSide = port.privatePort() + "/" + (port.type() == null ? "tcp" : port.type());
            if (port.publicPort() != null && port.publicPort() > 0) {
                String ip = port.ip() == null || port.ip().isEmpty() ? "" : port.ip().contains(":") ? "[" + port.ip() + "]:" : port.ip() + ":";
                shown.add(ip + port.publicPort() + "->" + containerSide);
            } else {
                shown.add(containerSide);
            }
        }
        return String.join(", ", shown);
    }

    /** Names without docker's leading "/"; link aliases ("/other/alias") only when not truncating. */
    static String names(List<String> names, boolean truncate) {
        if (names == null) {
            return "";
        }
        return names.stream()
                .map(name -> name.startsWith("/") ? name.substring(1) : name)
                .filter(name -> !truncate || !name.contains("/"))
                .collect(Collectors.joining(","));
    }
}
