package io.berth.image.registry;

import io.berth.errdefs.UnavailableException;
import io.berth.image.RegistryHosts;
import io.berth.oci.reference.ImageReference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Speaks the Distribution API v2 with the JDK's HttpClient: picks endpoints (mirrors first for
 * docker.io), chooses https or, for insecure registries, http, and hands out per-repository sessions
 * that carry the auth token.
 */
public final class RegistryClient implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A plain-HTTP server may never answer a TLS hello: the https probe of an insecure registry is kept short. */
    private static final Duration TLS_PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final RegistryHosts hosts;
    private final InsecureRegistries insecure;
    private final HttpClient verifyingClient;
    private final HttpClient trustingClient;
    /** Scheme that answered for each insecure host, so the https probe happens once. */
    private final Map<String, String> schemeByHost = new ConcurrentHashMap<>();
    final TokenCache tokens = new TokenCache();
    final StallGuard stallGuard;
    private final RegistryCertificates certificates;
    /** Clients that also trust a registry's own CAs from the certs dir, per host. */
    private final Map<String, HttpClient> clientsWithCa = new ConcurrentHashMap<>();
    private final Credentials credentials;

    public RegistryClient(RegistryHosts hosts) {
        this(hosts, Duration.ofSeconds(60));
    }

    /** {@code blobStallLimit}: how long a blob download may deliver no bytes before it is aborted. */
    public RegistryClient(RegistryHosts hosts, Duration blobStallLimit) {
        this(hosts, blobStallLimit, Path.of("/etc/berth/certs.d"), null);
    }

    /**
     * {@code certsDir}: per-registry CAs in docker's layout (certsDir/HOST:PORT/*.crt, trusted in
     * addition to the system's); {@code credentials}: where credentials come from when a session is
     * opened without any (null: anonymous).
     */
    public RegistryClient(RegistryHosts hosts, Duration blobStallLimit, Path certsDir, Credentials credentials) {
        this.hosts = hosts;
        this.stallGuard = new StallGuard(blobStallLimit);
        this.insecure = new InsecureRegistries(hosts.insecure());
        this.certificates = new RegistryCertificates(certsDir);
        this.verifyingClient = newClient(certificates.systemContext());
        this.trustingClient = newClient(trustAll());
        this.credentials = credentials;
    }

    public Optional<Credentials> credentials() {
        return Optional.ofNullable(credentials);
    }

    private static HttpClient newClient(SSLContext ssl) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER) // followed by hand to drop credentials across hosts
                .connectTimeout(CONNECT_TIMEOUT);
        if (ssl != null) builder.sslContext(ssl);
        return builder.build();
    }

    private static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            // An X509ExtendedTrustManager, so the JDK adds no hostname check of its own either.
            TrustManager acceptAny = new X509ExtendedTrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            };
            context.init(null, new TrustManager[]{acceptAny}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context for insecure registries", e);
        }
    }

    /** Where to fetch {@code ref} from, in order: configured mirrors for docker.io, then the registry. */
    public List<Endpoint> endpoints(ImageReference ref) {
        List<Endpoint> endpoints = new ArrayList<>();
        if (ref.isDockerHub()) {
            for (URI mirror : hosts.dockerHubMirrors()) {
                String host = mirror.getAuthority();
                endpoints.add(new Endpoint(mirror, host, insecure.isInsecure(host) || "http".equals(mirror.getScheme()), true));
            }
        }
        endpoints.add(registryEndpoint(ref.registryApiHost()));
        return endpoints;
    }

    /** The registry's own endpoint for pushes (mirrors are read-only). */
    public Endpoint registryEndpoint(String host) {
        return new Endpoint(URI.create("https://" + host), host, insecure.isInsecure(host), false);
    }

    /**
     * Opens a session on one repository: pings /v2/ (choosing http for an insecure registry that
     * does not speak TLS) and fails with UnavailableException naming the registry if it is down.
     */
    public RegistryRepository open(Endpoint endpoint, String repository) {
        return open(endpoint, repository, null);
    }

    /**
     * As {@link #open(Endpoint, String)}, authenticating with {@code auth} (null: the configured
     * credentials for the endpoint's host, if any; mirrors get none, as in docker).
     */
    public RegistryRepository open(Endpoint endpoint, String repository, Credentials.AuthConfig auth) {
        Credentials.AuthConfig effective = auth;
        if (effective == null && credentials != null && !endpoint.mirror()) {
            effective = credentials.lookup(endpoint.host()).orElse(null);
        }
        return new RegistryRepository(this, resolveScheme(endpoint), repository, effective);
    }

    private Endpoint resolveScheme(Endpoint endpoint) {
        Endpoint resolved = endpoint;
        if (endpoint.insecure() && !endpoint.mirror()) {
            String known = schemeByHost.get(endpoint.host());
            if (known != null) {
                resolved = endpoint.withScheme(known);
            } else {
                resolved = probeScheme(endpoint);
                schemeByHost.put(endpoint.host(), resolved.base().getScheme());
            }
        } else {
            ping(endpoint, CONNECT_TIMEOUT);
        }
        return resolved;
    }

    /**
     * docker login: checks {@code auth} against the registry's /v2/ (Basic, or a token fetched with
     * Basic credentials) and, if accepted, stores it in the configured credentials file.
     * Wrong credentials fail with "unauthorized: incorrect username or password" (InvalidArgument).
     */
    public void login(String registryHost, Credentials.AuthConfig auth) {
        verifyLogin(registryHost, auth);
        if (credentials != null) credentials.store(registryHost, auth);
    }

    /** The check of {@link #login} alone, storing nothing (the Engine API's POST /auth). */
    public void verifyLogin(String registryHost, Credentials.AuthConfig auth) {
        Endpoint endpoint = resolveScheme(registryEndpoint(registryHost));
        new RegistryRepository(this, endpoint, null, auth).verifyLogin();
    }

    /** docker logout: forgets the stored credentials; false if there were none. */
    public boolean logout(String registryHost) {
        return credentials != null && credentials.erase(registryHost);
    }

    private Endpoint probeScheme(Endpoint endpoint) {
        try {
            ping(endpoint.withScheme("https"), TLS_PROBE_TIMEOUT);
            return endpoint.withScheme("https");
        } catch (UnavailableException httpsFailed) {
            Endpoint plain = endpoint.withScheme("http");
            ping(plain, CONNECT_TIMEOUT);
            return plain;
        }
    }

    private void ping(Endpoint endpoint, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/v2/")).timeout(timeout).GET().build();
        send(endpoint, request, HttpResponse.BodyHandlers.discarding());
    }

    HttpClient clientFor(Endpoint endpoint) {
        if (endpoint.insecure()) return trustingClient;
        String authority = endpoint.base().getAuthority();
        if (!certificates.hasCertificates(authority)) return verifyingClient;
        return clientsWithCa.computeIfAbsent(authority, host -> newClient(certificates.sslContext(host)));
    }

    /** Sends a request; any transport failure becomes UnavailableException naming the registry. */
    <T> HttpResponse<T> send(Endpoint endpoint, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return clientFor(endpoint).send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("registry " + endpoint.host() + " is unavailable: interrupted", e);
        } catch (IOException e) {
            throw new UnavailableException("registry " + endpoint.host() + " is unavailable: " + describe(e), e);
        }
    }

    /** Docker-like wording of a transport failure ("connection refused", "no such host", "timeout"). */
    static String describe(IOException e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        if (root instanceof java.nio.channels.UnresolvedAddressException || root instanceof java.net.UnknownHostException) {
            return "no such host";
        }
        if (e instanceof HttpTimeoutException) return "timeout";
        if (e instanceof ConnectException) return "connection refused";
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    @Override
    public void close() {
        stallGuard.close();
        verifyingClient.close();
        trustingClient.close();
        clientsWithCa.values().forEach(HttpClient::close);
    }
}
