package io.berth.api.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.InvalidArgumentException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request and the means to answer it: a whole JSON answer, an empty one, a chunked stream, or
 * a hijacked connection (docker's attach). Written from the endpoint's virtual thread; Netty queues
 * the writes onto the event loop in order. Writes wait for the socket when its buffer is full.
 */
public final class Exchange {
    public static final String JSON = "application/json";

    private final Channel channel;
    private final HttpRequest request;
    private final Router.Match match;
    private final Map<String, List<String>> query;
    private final byte[] body;
    private final RequestBodyStream bodyStream;
    private final ObjectMapper mapper;
    private final Runnable onHijack;
    private final Map<String, String> extraHeaders = new java.util.LinkedHashMap<>();
    private boolean responseStarted;

    Exchange(Channel channel, HttpRequest request, Router.Match match, Map<String, List<String>> query, byte[] body,
             RequestBodyStream bodyStream, ObjectMapper mapper, Runnable onHijack) {
        this.channel = channel;
        this.request = request;
        this.match = match;
        this.query = query;
        this.body = body;
        this.bodyStream = bodyStream;
        this.mapper = mapper;
        this.onHijack = onHijack;
    }

    // ---- request -----------------------------------------------------------------------------

    public ApiVersion version() { return match.version(); }

    public String path(String name) { return match.pathParameters().get(name); }

    public Optional<String> query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getLast());
    }

    /** Every value of a repeated query parameter (docker's changes=...&changes=...). */
    public List<String> queryAll(String name) {
        return query.getOrDefault(name, List.of());
    }

    public String query(String name, String fallback) {
        return query(name).orElse(fallback);
    }

    /** Docker's boolean query values: "1", "true", "True"; absent or anything else is false. */
    public boolean flag(String name) {
        return query(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
    }

    public Optional<Integer> intQuery(String name) {
        Optional<String> v = query(name).filter(s -> !s.isEmpty());
        try {
            return v.map(Integer::parseInt);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("invalid value for " + name + ": " + v.get());
        }
    }

    /** A request header, absent when not sent or empty. */
    public Optional<String> requestHeader(String name) {
        return Optional.ofNullable(request.headers().get(name)).filter(v -> !v.isEmpty());
    }

    public boolean hasBody() {
        return body != null && body.length > 0;
    }

    /** The JSON body as {@code type}; malformed JSON is the client's error (400), naming the problem. */
    public <T> T bodyAs(Class<T> type) {
        try {
            return mapper.readValue(body, type);
        } catch (IOException e) {
            String problem = e instanceof com.fasterxml.jackson.core.JacksonException je ? je.getOriginalMessage() : e.getMessage();
            throw new InvalidArgumentException("invalid JSON in request body: " + problem, e);
        }
    }

    public InputStream bodyStream() {
        if (bodyStream == null) throw new IllegalStateException("route " + match.route().template() + " does not stream its body");
        return bodyStream;
    }

    public ObjectMapper mapper() { return mapper; }

    public boolean responseStarted() { return responseStarted; }

    /** Runs {@code action} when the client connection closes (to stop waiting for something nobody reads). */
    public void onClose(Runnable action) {
        channel.closeFuture().addListener(f -> action.run());
    }

    /** Adds a header to the answer that is about to be sent. */
    public Exchange header(String name, String value) {
        extraHeaders.put(name, value);
        return this;
    }

    // ---- whole answers ------------------------------------------------------------------------

    public void json(int status, Object value) throws IOException {
        send(status, JSON, mapper.writeValueAsBytes(value));
    }

    public void text(int status, String contentType, String text) {
        send(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    public void empty(int status) {
        send(status, null, new byte[0]);
    }

    public void error(int status, String message) {
        try {
            send(status, JSON, mapper.writeValueAsBytes(Map.of("message", message)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void send(int status, String contentType, byte[] content) {
        boolean head = request.method().equals(HttpMethod.HEAD);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content));
        decorate(response);
        if (contentType != null) response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        if (status != 204 && status != 304) HttpUtil.setContentLength(response, content.length);
        responseStarted = true;
        finish(channel.writeAndFlush(response));
    }

    // ---- streams ------------------------------------------------------------------------------

    /** Starts a chunked answer; the headers are flushed at once (a wait tells the client it is registered). */
    public ChunkedStream stream(int status, String contentType) throws IOException {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        decorate(response);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setTransferEncodingChunked(response, true);
        responseStarted = true;
        await(channel.writeAndFlush(response));
        return new ChunkedStream();
    }

    /** A chunked answer body. */
    public final class ChunkedStream implements AutoCloseable {
        public void write(byte[] bytes) throws IOException {
            write(Unpooled.wrappedBuffer(bytes));
        }

        public void write(ByteBuf bytes) throws IOException {
            await(channel.writeAndFlush(new DefaultHttpContent(bytes)));
        }

        public void writeJsonLine(Object value) throws IOException {
            write(mapper.writeValueAsBytes(value));
            write(new byte[] {'\n'});
        }

        @Override
        public void close() {
            finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        }
    }

    /**
     * Takes the connection over, as docker's attach does: with "Upgrade: tcp" the answer is
     * "101 UPGRADED", else a 200 without length; either way the connection leaves Netty (see
     * {@link DetachedSocket}) and carries raw bytes until the returned stream is closed.
     */
    public RawStream hijack(String contentType) throws IOException {
        boolean upgrade = request.headers().containsValue(HttpHeaderNames.UPGRADE, "tcp", true);
        String head = (upgrade ? "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n" : "HTTP/1.1 200 OK\r\n")
                + "Content-Type: " + contentType + "\r\n" + ServerHeaders.asText() + "\r\n";
        responseStarted = true;
        onHijack.run();
        DetachedSocket socket;
        try {
            socket = channel.eventLoop().submit(() -> DetachedSocket.takeOver(channel)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking over the connection", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("cannot take over the connection: " + e.getCause().getMessage(), e.getCause());
        }
        RawStream stream = new RawStream(socket);
        try {
            socket.write(head.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            stream.close();
            throw e;
        }
        return stream;
    }

    /** The raw byte stream of a hijacked connection; closing it closes the connection. */
    public static final class RawStream implements AutoCloseable {
        private final DetachedSocket socket;

        private RawStream(DetachedSocket socket) {
            this.socket = socket;
        }

        public void write(byte[] bytes) throws IOException {
            socket.write(bytes);
        }

        /**
         * Ends the output with a FIN while the client's input is still read: closing a socket with
         * unread input makes the kernel reset the connection, which docker clients report as an error.
         */
        public void finishOutput() {
            socket.shutdownOutput();
        }

        /** What the client sends after the hijack (its stdin); -1 at its end. Blocks: call from a platform thread. */
        public int read(byte[] buffer) throws IOException {
            return socket.read(buffer);
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private void decorate(HttpResponse response) {
        ServerHeaders.apply(response.headers());
        extraHeaders.forEach(response.headers()::set);
        if (!HttpUtil.isKeepAlive(request)) response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }

    /** Closes after the last write of a non-keep-alive exchange. */
    private void finish(ChannelFuture written) {
        if (!HttpUtil.isKeepAlive(request)) written.addListener(ChannelFutureListener.CLOSE);
    }

    /** Waits only when the socket buffer is full (back-pressure) and reports a vanished client. */
    private void await(ChannelFuture written) throws IOException {
        if (!channel.isActive()) throw new IOException("the client closed the connection");
        if (channel.isWritable()) return;
        try {
            written.sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing to the client", e);
        } catch (Exception e) {
            throw new IOException("cannot write to the client: " + e, e);
        }
    }
}
