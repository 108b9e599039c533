package io.berth.api.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.api.model.ApiJson;
import io.berth.api.server.endpoints.ContainerEndpoints;
import io.berth.api.server.endpoints.ExecEndpoints;
import io.berth.api.server.endpoints.ImageEndpoints;
import io.berth.api.server.endpoints.RegistryEndpoints;
import io.berth.api.server.endpoints.SystemEndpoints;
import io.berth.api.server.http.ConnectionHandler;
import io.berth.api.server.http.Route;
import io.berth.api.server.http.Router;
import io.berth.engine.Engine;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpServerCodec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Docker Engine API over HTTP/1.1 on Netty (epoll). Listeners are added per address; endpoint
 * code runs on virtual threads so the event loop never waits on the engine.
 */
public final class ApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.berth.api.server");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ObjectMapper mapper = ApiJson.newMapper();
    private final Router router;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<ListenAddress.Unix> sockets = new ArrayList<>();

    public ApiServer(Engine engine) {
        List<Route> routes = new ArrayList<>();
        routes.addAll(new SystemEndpoints(engine).routes());
        routes.addAll(new ImageEndpoints(engine).routes());
        routes.addAll(new RegistryEndpoints(engine).routes());
        routes.addAll(new ContainerEndpoints(engine).routes());
        routes.addAll(new ExecEndpoints(engine).routes());
        this.router = new Router(routes);
    }

    /** Starts serving on {@code address}; a stale unix socket file is replaced and made 0660. */
    public synchronized void listen(ListenAddress address) throws IOException, InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new ConnectionHandler(router, mapper, executor));
                    }
                });
        Channel channel = switch (address) {
            case ListenAddress.Unix unix -> {
                Files.createDirectories(unix.socket().toAbsolutePath().getParent());
                Files.deleteIfExists(unix.socket());
                Channel ch = bootstrap.channel(EpollServerDomainSocketChannel.class)
                        .bind(new DomainSocketAddress(unix.socket().toFile())).sync().channel();
                Files.setPosixFilePermissions(unix.socket(), PosixFilePermissions.fromString("rw-rw----"));
                sockets.add(unix);
                yield ch;
            }
            case ListenAddress.Tcp tcp -> bootstrap.channel(EpollServerSocketChannel.class).bind(tcp.address()).sync().channel();
        };
        listeners.add(channel);
        LOG.log(System.Logger.Level.INFO, "API listening on {0}", address);
    }

    @Override
    public synchronized void close() {
        for (Channel ch : listeners) ch.close().syncUninterruptibly();
        listeners.clear();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        executor.shutdownNow();
        for (ListenAddress.Unix unix : sockets) {
            try {
                Files.deleteIfExists(unix.socket());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove socket {0}: {1}", unix.socket(), e.getMessage());
            }
        }
        sockets.clear();
    }
}
