package io.berth.api.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.errdefs.BerthException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * One client connection. Small bodies are collected (up to a limit) and the endpoint runs once the
 * request is complete; streaming routes start at once with the body as a stream. Endpoints run on
 * virtual threads, never on the event loop. A hijacked connection leaves Netty (see
 * {@link DetachedSocket}); a client that half-closes after a normal request still gets its answer.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger("io.berth.api.server");
    private static final int MAX_JSON_BODY = 16 << 20;

    private final Router router;
    private final ObjectMapper mapper;
    private final ExecutorService executor;

    private HttpRequest request;
    private Router.Match match;
    private CompositeByteBuf body;
    private RequestBodyStream bodyStream;
    /** A routing error, answered once the request body has been read. */
    private BerthException pendingError;
    private volatile boolean hijacked;
    private boolean exchangeRunning;
    private boolean closeWhenIdle;

    public ConnectionHandler(Router router, ObjectMapper mapper, ExecutorService executor) {
        this.router = router;
        this.mapper = mapper;
        this.executor = executor;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (hijacked || !(msg instanceof HttpObject)) return;
            if (msg instanceof HttpRequest r) begin(ctx, r);
            if (msg instanceof HttpContent content) append(ctx, content);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest r) {
        request = r;
        match = null;
        if (r.decoderResult().isFailure()) {
            rejectAndClose(ctx, 400, "malformed HTTP request: " + r.decoderResult().cause().getMessage());
            return;
        }
        try {
            match = router.match(r.method(), new QueryStringDecoder(r.uri()).path());
        } catch (BerthException e) {
            // Answered once the (ignored) body is read, so the connection stays usable.
            body = ctx.alloc().compositeBuffer();
            pendingError = e;
            return;
        }
        if (HttpUtil.is100ContinueExpected(r)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        if (match.route().streamsBody()) {
            bodyStream = new RequestBodyStream(ctx.channel());
            dispatch(ctx, null);
        } else {
            body = ctx.alloc().compositeBuffer();
        }
    }

    private void append(ChannelHandlerContext ctx, HttpContent content) {
        if (bodyStream != null) {
            bodyStream.offer(content.content());
            if (content instanceof LastHttpContent) {
                bodyStream.end();
                bodyStream = null;
            }
            return;
        }
        if (body == null) return;
        if (body.readableBytes() + content.content().readableBytes() > MAX_JSON_BODY) {
            body.release();
            body = null;
            rejectAndClose(ctx, 413, "request body too large");
            return;
        }
        body.addComponent(true, content.content().retain());
        if (!(content instanceof LastHttpContent)) return;
        byte[] bytes = ByteBufUtil.getBytes(body);
        body.release();
        body = null;
        if (pendingError != null) {
            BerthException e = pendingError;
            pendingError = null;
            Exchange ex = new Exchange(ctx.channel(), request, null, Map.of(), bytes, null, mapper, () -> {});
            ex.error(e.httpStatus(), e.getMessage());
            return;
        }
        dispatch(ctx, bytes);
    }

    private void dispatch(ChannelHandlerContext ctx, byte[] bytes) {
        HttpRequest r = request;
        Router.Match m = match;
        RequestBodyStream stream = bodyStream;
        Exchange exchange = new Exchange(ctx.channel(), r, m, new QueryStringDecoder(r.uri()).parameters(), bytes, stream,
                mapper, () -> hijacked = true);
        exchangeRunning = true;
        executor.execute(() -> {
            try {
                m.route().endpoint().handle(exchange);
            } catch (Throwable t) {
                fail(ctx, exchange, t);
            } finally {
                if (stream != null) stream.close();
                // The event loop is gone when the server shuts down with exchanges still running.
                if (!ctx.executor().isShuttingDown()) {
                    ctx.executor().execute(() -> {
                        exchangeRunning = false;
                        if (closeWhenIdle && !hijacked) ctx.close();
                    });
                }
            }
        });
    }

    private static void fail(ChannelHandlerContext ctx, Exchange exchange, Throwable t) {
        if (exchange.responseStarted()) {
            // Too late for a status code: ending the connection tells the client the stream broke.
            LOG.log(System.Logger.Level.DEBUG, "stream ended by error: {0}", t.toString());
            ctx.close();
            return;
        }
        if (t instanceof BerthException e) {
            exchange.error(e.httpStatus(), e.getMessage());
        } else {
            LOG.log(System.Logger.Level.WARNING, "internal error: " + t, t);
            exchange.error(500, t.getMessage() == null ? t.toString() : t.getMessage());
        }
    }

    private void rejectAndClose(ChannelHandlerContext ctx, int status, String message) {
        Exchange ex = new Exchange(ctx.channel(), request, null, Map.of(), null, null, mapper, () -> {});
        ex.error(status, message);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
            // The client will send nothing more; a running exchange (or a hijacked stream) still finishes.
            if (bodyStream != null) bodyStream.abort();
            if (!hijacked) {
                if (exchangeRunning) closeWhenIdle = true;
                else ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (bodyStream != null) bodyStream.abort();
        if (body != null) {
            body.release();
            body = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "connection error: {0}", cause.toString());
        ctx.close();
    }
}
