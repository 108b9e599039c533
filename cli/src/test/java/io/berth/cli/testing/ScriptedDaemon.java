package io.berth.cli.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A daemon stand-in on a real unix socket that answers each HTTP/1.1 request with bytes a script
 * chooses, then closes the connection; it records what it received. It lets the client's wire
 * behaviour (version prefix, hijack, chunked bodies) be checked without a container engine.
 */
public final class ScriptedDaemon implements AutoCloseable {
    /** A received request: method, path with query, headers (lower-case names) and the decoded body. */
    public record Request(String method, String path, Map<String, String> headers, byte[] body) {
        public String line() {
            return method + " " + path;
        }
    }

    private final Path directory;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Function<Request, byte[]> script;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    public ScriptedDaemon(Function<Request, byte[]> script) throws IOException {
        this.script = script;
        this.directory = Files.createTempDirectory("berth-cli-test");
        this.socket = directory.resolve("daemon.sock");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public String host() {
        return "unix://" + socket;
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** A complete response with a body and Content-Length. */
    public static byte[] respond(int status, String contentType, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + (status < 400 ? "OK" : "Error") + "\r\nApi-Version: 1.41\r\n"
                + "Content-Type: " + contentType + "\r\nContent-Length: " + content.length + "\r\n\r\n";
        return concat(head.getBytes(StandardCharsets.US_ASCII), content);
    }

    public static byte[] json(int status, String body) {
        return respond(status, "application/json", body);
    }

    /** A hijacked connection: "101 UPGRADED" followed by raw bytes until the connection closes. */
    public static byte[] upgraded(byte[] stream) {
        String head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                + "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
        return concat(head.getBytes(StandardCharsets.US_ASCII), stream);
    }

    /**
     * A reply (compared by identity) that hijacks the connection, reads the client's stdin until it
     * half-closes, then sends it back as one stdout frame, as `cat` in a container would.
     */
    public static final byte[] ECHO_STDIN = new byte[0];

    /** One frame of docker's multiplexed stream: stream 1 is stdout, 2 stderr. */
    public static byte[] frame(int stream, String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] header = {(byte) stream, 0, 0, 0, (byte) (payload.length >>> 24), (byte) (payload.length >>> 16),
                (byte) (payload.length >>> 8), (byte) payload.length};
        return concat(header, payload);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel connection = server.accept();
                Thread.ofVirtual().start(() -> serve(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection; InputStream in = Channels.newInputStream(connection); OutputStream out = Channels.newOutputStream(connection)) {
            Request request = read(in);
            requests.add(request);
            byte[] reply = script.apply(request);
            if (reply == ECHO_STDIN) {
                out.write(upgraded(new byte[0]));
                out.flush();
                byte[] stdin = in.readAllBytes();
                out.write(frame(1, new String(stdin, StandardCharsets.UTF_8)));
            } else {
                out.write(reply);
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            // A client that went away mid-answer is the test's business, not the stand-in's.
        }
    }

    private static Request read(InputStream in) throws IOException {
        String[] requestLine = readLine(in).split(" ");
        Map<String, String> headers = new TreeMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream decoded = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(readLine(in), 16); size > 0; size = Integer.parseInt(readLine(in), 16)) {
                decoded.writeBytes(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
            body = decoded.toByteArray();
        } else {
            body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        }
        return new Request(requestLine[0], requestLine[1], headers, body);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed mid-request");
            }
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(directory);
    }
}
