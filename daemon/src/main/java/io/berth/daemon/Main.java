package io.berth.daemon;

import io.berth.api.server.ApiServer;
import io.berth.api.server.ListenAddress;
import io.berth.engine.Engine;
import io.berth.engine.EngineConfig;
import io.berth.engine.userns.RemapAccounts;
import io.berth.engine.userns.UsernsRemap;
import io.berth.errdefs.BerthException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.image.ImageServiceOptions;
import io.berth.image.RegistryHosts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * berthd: the Berth daemon, with dockerd's flag names. Serves the Engine API until SIGTERM/SIGINT,
 * then closes its listeners and state database; containers keep running (live restore).
 */
@Command(name = "berthd", mixinStandardHelpOptions = true, version = "berthd 0.1.0",
        description = "Berth container engine daemon (serves the Docker Engine API).")
public final class Main implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger("io.berth.daemon");

    @Option(names = "--data-root", description = "Root directory of persistent state (default: ${DEFAULT-VALUE})")
    Path dataRoot = Path.of("/var/lib/berth");

    @Option(names = "--exec-root", description = "Root directory of execution state (default: ${DEFAULT-VALUE})")
    Path execRoot = Path.of("/run/berth");

    @Option(names = {"-H", "--host"}, description = "Daemon socket(s) to listen on (default: unix:///run/berth.sock)")
    List<String> hosts = new ArrayList<>();

    @Option(names = {"-p", "--pidfile"}, description = "Path of the daemon PID file (default: ${DEFAULT-VALUE})")
    Path pidFile = Path.of("/run/berthd.pid");

    @Option(names = "--registry-mirror", description = "Preferred Docker registry mirror (repeatable)")
    List<String> registryMirrors = new ArrayList<>();

    @Option(names = "--insecure-registry", description = "Insecure registry host:port or CIDR (repeatable)")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--registry-certs-dir", description = "Per-registry CA certificates in HOST:PORT/*.crt (default: ${DEFAULT-VALUE})")
    Path registryCertsDir = ImageServiceOptions.DEFAULT_CERTS_DIR;

    @Option(names = "--max-concurrent-downloads", description = "Maximum concurrent downloads per pull (default: ${DEFAULT-VALUE})")
    int maxConcurrentDownloads = 3;

    @Option(names = "--max-concurrent-uploads", description = "Maximum concurrent uploads per push (default: ${DEFAULT-VALUE})")
    int maxConcurrentUploads = 5;

    @Option(names = {"-D", "--debug"}, description = "Enable debug logging")
    boolean debug;

    @Option(names = "--userns-remap", description = "User/Group setting for user namespaces: \"default\" (the account "
            + RemapAccounts.DEFAULT_USER + ", created if missing) or USER[:GROUP] with ranges in /etc/subuid and /etc/subgid")
    String usernsRemap;

    @Option(names = "--shim", description = "Path of the berth-shim binary (default: ${berth.home}/native/target/bin/berth-shim)")
    Path shim;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs berthd with {@code args} until it is stopped; returns the exit status. */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // dockerd exits 1 on a bad flag, naming it.
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("berthd: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        OneLineLogFormat.install(debug);
        List<ListenAddress> listeners;
        RegistryHosts registries;
        try {
            listeners = (hosts.isEmpty() ? List.of("unix:///run/berth.sock") : hosts).stream()
                    .map(ListenAddress::parse).toList();
        } catch (InvalidArgumentException e) {
            System.err.println("berthd: -H/--host: " + e.getMessage());
            return 1;
        }
        try {
            registries = new RegistryHosts(registryMirrors.stream().map(Main::mirror).toList(), insecureRegistries);
        } catch (InvalidArgumentException e) {
            System.err.println("berthd: " + e.getMessage());
            return 1;
        }
        if (maxConcurrentDownloads < 1 || maxConcurrentUploads < 1) {
            System.err.println("berthd: --max-concurrent-downloads and --max-concurrent-uploads must be at least 1");
            return 1;
        }
        ImageServiceOptions imageOptions = ImageServiceOptions.defaults().withCertsDir(registryCertsDir)
                .withConcurrency(maxConcurrentDownloads, maxConcurrentUploads);
        Path shimBinary = shim != null ? shim
                : Path.of(System.getProperty("berth.home", "."), "native", "target", "bin", "berth-shim");
        if (!Files.isExecutable(shimBinary)) {
            System.err.println("berthd: --shim: " + shimBinary + " is not an executable file");
            return 1;
        }
        UsernsRemap remap = null;
        if (usernsRemap != null && !usernsRemap.isEmpty()) { // dockerd too takes an empty value as "no remap"
            try {
                remap = RemapAccounts.system().resolve(usernsRemap);
            } catch (BerthException | UncheckedIOException e) {
                System.err.println("berthd: " + e.getMessage());
                return 1;
            }
            LOG.log(System.Logger.Level.INFO, "user namespaces: containers'' root is uid {0}, gid {1} ({2}:{3})",
                    String.valueOf(remap.rootUid()), String.valueOf(remap.rootGid()), remap.user(), remap.group());
        }
        PidFile pid;
        try {
            pid = PidFile.claim(pidFile);
        } catch (IllegalStateException e) {
            System.err.println("berthd: " + e.getMessage());
            return 1;
        }
        Engine engine;
        try {
            engine = Engine.open(new EngineConfig(dataRoot, execRoot, shimBinary, registries, imageOptions, remap));
        } catch (InvalidArgumentException e) {
            System.err.println("berthd: " + e.getMessage());
            pid.close();
            return 1;
        }
        ApiServer server = new ApiServer(engine);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.log(System.Logger.Level.INFO, "shutting down; containers keep running");
            server.close();
            engine.close();
            try {
                pid.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove pid file: {0}", e.getMessage());
            }
            stopped.countDown();
        }, "berthd-shutdown"));
        for (ListenAddress address : listeners) server.listen(address);
        LOG.log(System.Logger.Level.INFO, "berthd ready, data root {0}", dataRoot);
        stopped.await();
        return 0;
    }

    private static URI mirror(String text) {
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new InvalidArgumentException("invalid --registry-mirror " + text + ": expected http(s)://HOST[:PORT]");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidArgumentException("invalid --registry-mirror " + text + ": " + e.getMessage());
        }
    }
}
