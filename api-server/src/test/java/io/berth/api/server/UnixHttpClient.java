package io.berth.api.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a unix socket for the tests (the JDK HttpClient has no unix socket
 * support). One connection per client; responses are read by Content-Length, chunked encoding, or
 * until the server closes (hijacked streams).
 */
final class UnixHttpClient implements AutoCloseable {
    record Response(int status, String statusLine, Map<String, String> headers, byte[] body) {
        String text() { return new String(body, StandardCharsets.UTF_8); }

        String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    }

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    UnixHttpClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in = Channels.newInputStream(channel);
        out = Channels.newOutputStream(channel);
    }

    Response request(String method, String target, String body, String... extraHeaders) throws IOException {
        send(method, target, body, extraHeaders);
        return read(method.equals("HEAD"));
    }

    void send(String method, String target, String body, String... extraHeaders) throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: docker\r\n");
        for (String h : extraHeaders) head.append(h).append("\r\n");
        if (body != null) head.append("Content-Type: application/json\r\n");
        head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(content);
        out.flush();
    }

    /** Status line and headers of a response whose body has not been read yet. */
    record Head(int status, String statusLine, Map<String, String> headers) {}

    /** Reads one response; a 101 or a response without length is read until the server closes. */
    Response read(boolean headOnly) throws IOException {
        return readBody(readHead(), headOnly);
    }

    Head readHead() throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; !(l = line()).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return new Head(status, statusLine, headers);
    }

    Response readBody(Head head, boolean headOnly) throws IOException {
        Map<String, String> headers = head.headers();
        byte[] body;
        if (headOnly || head.status() == 204 || head.status() == 304) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked();
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else {
            body = in.readAllBytes();
        }
        return new Response(head.status(), head.statusLine(), headers, body);
    }

    /** Sends a request whose body is streamed with chunked transfer encoding. */
    void sendChunked(String method, String target, InputStream body, String contentType) throws IOException {
        out.write((method + " " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Type: " + contentType
                + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] buffer = new byte[32 * 1024];
        for (int n; (n = body.read(buffer)) > 0; ) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(buffer, 0, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(line().split(";")[0].trim(), 16);
            if (size == 0) {
                while (!line().isEmpty()) { /* trailers */ }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') if (b != '\r') line.write(b);
        if (b == -1 && line.size() == 0) throw new IOException("connection closed by the server");
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** Closes our sending side only, as the docker CLI does after a hijack without stdin. */
    /** Bytes after a hijack: what a client's stdin would send. */
    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
