package io.berth.cli.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedStream;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 to the daemon over Netty's epoll transport, one connection per request (over a local
 * socket a connect costs less than keeping a pool). Callers block on {@link #send} until the
 * response head arrives; the body then streams through {@link ApiResponse}.
 */
public final class HttpTransport implements AutoCloseable {
    private static final int STREAM_CHUNK_SIZE = 64 * 1024;
    private static final String USER_AGENT = "Berth-Client/0.1.0 (linux)";

    private final DaemonAddress address;
    private EventLoopGroup group;

    public HttpTransport(DaemonAddress address) {
        this.address = address;
    }

    /** Sends the request and waits for the status line and headers. */
    public ApiResponse send(ApiRequest request) throws IOException {
        return await(sendAsync(request));
    }

    /**
     * Connects and sends the request head (and a known body) before returning, so the daemon has
     * the request when this returns; the answer completes the future when its head arrives.
     */
    public CompletableFuture<ApiResponse> sendAsync(ApiRequest request) throws IOException {
        Channel channel = connect();
        ResponseHandler handler = channel.pipeline().get(ResponseHandler.class);
        try {
            channel.writeAndFlush(toNetty(request)).sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new InterruptedIOException("interrupted while writing to the daemon");
        } catch (Exception e) {
            channel.close();
            throw new IOException("sending the request failed: " + e.getMessage(), e);
        }
        if (request.bodyStream() != null) {
            channel.writeAndFlush(new HttpChunkedInput(new ChunkedStream(request.bodyStream(), STREAM_CHUNK_SIZE)));
        }
        return handler.head.thenApply(head -> new ApiResponse(head.status().code(), head.headers(), handler.chunks, channel))
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        channel.close();
                    }
                });
    }

    /** Blocks for an answer started with {@link #sendAsync}, unwrapping its failure. */
    public static ApiResponse await(CompletableFuture<ApiResponse> pending) throws IOException {
        try {
            return pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the daemon");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }

    private Channel connect() throws IOException {
        Bootstrap bootstrap = new Bootstrap()
                .group(eventLoopGroup())
                .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new ChunkedWriteHandler(), new ResponseHandler());
                    }
                });
        SocketAddress target = switch (address) {
            case DaemonAddress.Unix unix -> {
                bootstrap.channel(EpollDomainSocketChannel.class);
                yield new DomainSocketAddress(unix.path());
            }
            case DaemonAddress.Tcp tcp -> {
                bootstrap.channel(EpollSocketChannel.class);
                yield InetSocketAddress.createUnresolved(tcp.host(), tcp.port());
            }
        };
        try {
            return bootstrap.connect(target).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to the daemon");
        } catch (Exception e) {
            throw new DaemonUnreachableException(address, e);
        }
    }

    private synchronized EventLoopGroup eventLoopGroup() {
        if (group == null) {
            // One daemon thread: the CLI's own threads do the blocking, the loop only moves bytes.
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("berth-io", true), EpollIoHandler.newFactory());
        }
        return group;
    }

    private HttpRequest toNetty(ApiRequest request) {
        HttpMethod method = HttpMethod.valueOf(request.method());
        HttpRequest netty;
        if (request.bodyStream() != null) {
            netty = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, request.path());
            netty.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else {
            ByteBuf content = request.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(request.body());
            netty = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, request.path(), content);
            if (request.body() != null || !method.equals(HttpMethod.GET)) {
                netty.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            }
        }
        HttpHeaders headers = netty.headers();
        headers.set(HttpHeaderNames.HOST, address instanceof DaemonAddress.Tcp tcp ? tcp.host() + ":" + tcp.port() : "docker");
        headers.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        request.headers().forEach(headers::set);
        if (request.upgrade()) {
            headers.set(HttpHeaderNames.CONNECTION, "Upgrade");
            headers.set(HttpHeaderNames.UPGRADE, "tcp");
        }
        return netty;
    }

    @Override
    public synchronized void close() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Turns Netty's events into a head future and a queue of body chunks. After "101 UPGRADED" the
     * HTTP decoder passes raw bytes through, so the body then ends only when the daemon closes.
     */
    private static final class ResponseHandler extends ChannelInboundHandlerAdapter {
        final CompletableFuture<HttpResponse> head = new CompletableFuture<>();
        final BlockingQueue<Object> chunks = new LinkedBlockingQueue<>();
        private boolean upgraded;
        private boolean ended;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            try {
                switch (message) {
                    case HttpResponse response -> {
                        upgraded = response.status().code() == 101;
                        head.complete(response);
                    }
                    case HttpContent content -> {
                        offer(content.content());
                        if (content instanceof LastHttpContent && !upgraded) {
                            end(ctx);
                        }
                    }
                    case ByteBuf raw -> offer(raw);
                    default -> {
                    }
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        private void offer(ByteBuf buffer) {
            if (buffer.isReadable()) {
                chunks.add(ByteBufUtil.getBytes(buffer));
            }
        }

        private void end(ChannelHandlerContext ctx) {
            if (!ended) {
                ended = true;
                chunks.add(ApiResponse.END);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            head.completeExceptionally(new IOException("the daemon closed the connection without answering"));
            end(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            head.completeExceptionally(cause);
            if (!ended) {
                ended = true;
                chunks.add(cause);
            }
            ctx.close();
        }
    }
}
