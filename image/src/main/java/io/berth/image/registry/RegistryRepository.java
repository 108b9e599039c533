package io.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.errdefs.BerthException;
import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.berth.errdefs.UnavailableException;
import io.berth.oci.Digest;
import io.berth.oci.image.MediaTypes;
import io.berth.oci.image.OciJson;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A session on one repository of one endpoint. Requests that come back 401 fetch a token
 * (anonymous Bearer flow, or Basic from credentials in the endpoint URI) and are retried once;
 * the token is cached for the repository.
 */
public final class RegistryRepository {
    private static final Duration MANIFEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_REDIRECTS = 5;

    /** PATCH size of a chunked upload: big enough to keep the pipe full, small enough to report progress often. */
    public static final long DEFAULT_CHUNK_SIZE = 16L << 20;

    private final RegistryClient client;
    private final Endpoint endpoint;
    private final String repository;
    private final Credentials.AuthConfig auth;

    RegistryRepository(RegistryClient client, Endpoint endpoint, String repository, Credentials.AuthConfig auth) {
        this.client = client;
        this.endpoint = endpoint;
        this.repository = repository;
        this.auth = auth;
    }

    public Endpoint endpoint() { return endpoint; }

    public String repository() { return repository; }

    /**
     * GETs a manifest or index by tag or digest. {@code displayName} ("busybox:nope") goes into the
     * NotFoundException as docker words it. A digest reference is verified against the bytes.
     */
    public FetchedManifest fetchManifest(String reference, String displayName) {
        HttpRequest.Builder request = HttpRequest.newBuilder(manifestUri(reference)).timeout(MANIFEST_TIMEOUT)
                .header("Accept", String.join(", ", MediaTypes.MANIFEST_ACCEPT)).GET();
        HttpResponse<byte[]> response = sendAuthorized(() -> request, HttpResponse.BodyHandlers.ofByteArray(), "pull");
        if (response.statusCode() != 200) throw manifestError(response, displayName);
        byte[] body = response.body();
        Digest digest = Digest.sha256(body);
        if (Digest.isValid(reference) && !digest.equals(Digest.parse(reference))) {
            throw new InvalidArgumentException("manifest for " + displayName + " does not match its digest: got " + digest);
        }
        String mediaType = response.headers().firstValue("Content-Type").map(RegistryRepository::stripParams)
                .filter(t -> MediaTypes.isIndex(t) || MediaTypes.isManifest(t))
                .orElseGet(() -> mediaTypeField(body));
        return new FetchedManifest(body, mediaType, digest);
    }

    private static String stripParams(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    }

    /** Falls back to the document's own mediaType (an OCI index/manifest may omit it: guess by shape). */
    private static String mediaTypeField(byte[] body) {
        JsonNode node = OciJson.read(body, JsonNode.class, "manifest");
        if (node.hasNonNull("mediaType")) return node.get("mediaType").asText();
        return node.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    private BerthException manifestError(HttpResponse<byte[]> response, String displayName) {
        RegistryError error = RegistryError.parse(response.body());
        int status = response.statusCode();
        if (status == 404 || error.is("MANIFEST_UNKNOWN") || error.is("NAME_UNKNOWN")) {
            if (error.is("NAME_UNKNOWN")) {
                String repo = displayName.replaceAll("(@.*|:[^/:]*)$", "");
                return new NotFoundException("repository " + repo + " not found: " + error.describe("name unknown"));
            }
            return new NotFoundException("manifest for " + displayName + " not found: " + error.describe("manifest unknown"));
        }
        if (status == 401 || status == 403) {
            String repo = displayName.replaceAll("(@.*|:[^/:]*)$", "");
            return new NotFoundException("pull access denied for " + repo
                    + ", repository does not exist or may require 'docker login': " + error.describe("denied"));
        }
        return unexpected("fetching manifest for " + displayName, status, error);
    }

    private UnavailableException unexpected(String operation, int status, RegistryError error) {
        return new UnavailableException("registry " + endpoint.host() + " failed " + operation + ": HTTP " + status
                + (error.isEmpty() ? "" : ": " + error.describe("")));
    }

    /** GETs a blob, following redirects (credentials are only sent to the registry's own host). */
    public BlobStream openBlob(Digest digest) {
        URI uri = endpoint.resolve("/v2/" + repository + "/blobs/" + digest);
        HttpResponse<InputStream> response = sendAuthorized(
                () -> HttpRequest.newBuilder(uri).GET(), HttpResponse.BodyHandlers.ofInputStream(), "pull");
        for (int redirects = 0; isRedirect(response.statusCode()); redirects++) {
            closeQuietly(response.body());
            if (redirects == MAX_REDIRECTS) throw unexpected("fetching blob " + digest, response.statusCode(), RegistryError.NONE);
            URI target = response.uri().resolve(response.headers().firstValue("Location").orElseThrow(
                    () -> unexpected("fetching blob " + digest + " (redirect without Location)", 302, RegistryError.NONE)));
            HttpRequest.Builder next = HttpRequest.newBuilder(target).GET();
            if (sameHost(target)) authorization(List.of("repository:" + repository + ":pull")).ifPresent(a -> next.header("Authorization", a));
            response = client.send(endpoint, next.build(), HttpResponse.BodyHandlers.ofInputStream());
        }
        if (response.statusCode() != 200) {
            int status = response.statusCode();
            RegistryError error = RegistryError.parse(readAllQuietly(response.body()));
            if (status == 404) throw new NotFoundException("blob " + digest + " not found in " + repository + ": "
                    + error.describe("blob unknown"));
            throw unexpected("fetching blob " + digest, status, error);
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        return new BlobStream(client.stallGuard.guard(response.body(), "registry " + endpoint.host() + ": blob " + digest), length);
    }

    /** HEAD on a blob: does the repository already have it? */
    public boolean blobExists(Digest digest) {
        URI uri = endpoint.resolve("/v2/" + repository + "/blobs/" + digest);
        HttpResponse<Void> response = sendAuthorized(() -> HttpRequest.newBuilder(uri)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding(), "pull,push");
        return response.statusCode() == 200;
    }

    /** Monolithic upload: POST to start a session, PUT the whole blob with ?digest=. */
    public void uploadBlob(Digest digest, Path content) {
        uploadBlob(digest, () -> {
            try {
                return HttpRequest.BodyPublishers.ofFile(content);
            } catch (IOException e) {
                throw new UnavailableException("cannot read blob " + digest + " for upload: " + e.getMessage(), e);
            }
        });
    }

    public void uploadBlob(Digest digest, byte[] content) {
        uploadBlob(digest, () -> HttpRequest.BodyPublishers.ofByteArray(content));
    }

    private void uploadBlob(Digest digest, Supplier<HttpRequest.BodyPublisher> body) {
        URI put = withDigest(startUpload(digest), digest);
        HttpResponse<byte[]> finished = sendAuthorized(() -> HttpRequest.newBuilder(put)
                .header("Content-Type", "application/octet-stream").PUT(body.get()), HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
        if (finished.statusCode() != 201) {
            throw unexpected("uploading " + digest, finished.statusCode(), RegistryError.parse(finished.body()));
        }
    }

    /**
     * Cross-repository mount (POST ?mount=&amp;from=): true if the registry linked the blob from
     * {@code fromRepository} (same registry) without an upload. A registry that cannot mount answers
     * 202 with an upload session, which is cancelled here (the caller then uploads).
     */
    public boolean mountBlob(Digest digest, String fromRepository) {
        URI uri = endpoint.resolve("/v2/" + repository + "/blobs/uploads/?mount=" + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8)
                + "&from=" + URLEncoder.encode(fromRepository, StandardCharsets.UTF_8));
        HttpResponse<byte[]> response = sendAuthorized(() -> HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.ofByteArray(),
                List.of("repository:" + repository + ":pull,push", "repository:" + fromRepository + ":pull"));
        if (response.statusCode() == 201) return true;
        if (response.statusCode() == 202) {
            response.headers().firstValue("Location").ifPresent(location -> {
                URI session = response.uri().resolve(location);
                sendAuthorized(() -> HttpRequest.newBuilder(session).DELETE(), HttpResponse.BodyHandlers.discarding(), "pull,push");
            });
        }
        return false;
    }

    /**
     * Chunked upload of a file: POST opens a session, each chunk goes as a PATCH with Content-Range
     * (streamed from the file, {@code progress} told the running byte count), and a final PUT with
     * ?digest= commits it. The registry verifies the digest.
     */
    public void uploadBlobChunked(Digest digest, Path content, long chunkSize, java.util.function.LongConsumer progress) {
        long size;
        try {
            size = java.nio.file.Files.size(content);
        } catch (IOException e) {
            throw new UnavailableException("cannot read blob " + digest + " for upload: " + e.getMessage(), e);
        }
        URI session = startUpload(digest);
        long offset = 0;
        while (offset < size) {
            long length = Math.min(chunkSize, size - offset);
            long start = offset;
            URI target = session;
            HttpResponse<byte[]> patched = sendAuthorized(() -> HttpRequest.newBuilder(target)
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", start + "-" + (start + length - 1))
                    .method("PATCH", HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> slice(content, start, length, progress)), length)),
                    HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
            if (patched.statusCode() != 202) {
                throw unexpected("uploading " + digest + " (bytes " + start + "-" + (start + length - 1) + ")",
                        patched.statusCode(), RegistryError.parse(patched.body()));
            }
            session = patched.uri().resolve(patched.headers().firstValue("Location").orElse(session.toString()));
            offset += length;
        }
        URI put = withDigest(session, digest);
        HttpResponse<byte[]> finished = sendAuthorized(() -> HttpRequest.newBuilder(put)
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
        if (finished.statusCode() != 201) {
            throw unexpected("committing upload of " + digest, finished.statusCode(), RegistryError.parse(finished.body()));
        }
    }

    /** A stream over [start, start+length) of a file that reports the upload's running byte count. */
    private static InputStream slice(Path file, long start, long length, java.util.function.LongConsumer progress) {
        try {
            java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file);
            channel.position(start);
            InputStream limited = new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(channel), 1 << 16);
            return new java.io.FilterInputStream(limited) {
                private long remaining = length;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (remaining <= 0) return -1;
                    int n = super.read(b, off, (int) Math.min(len, remaining));
                    if (n > 0) {
                        remaining -= n;
                        progress.accept(start + length - remaining);
                    }
                    return n;
                }

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private URI startUpload(Digest digest) {
        URI start = endpoint.resolve("/v2/" + repository + "/blobs/uploads/");
        HttpResponse<byte[]> started = sendAuthorized(() -> HttpRequest.newBuilder(start)
                .POST(HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
        if (started.statusCode() != 202) {
            throw unexpected("starting upload of " + digest, started.statusCode(), RegistryError.parse(started.body()));
        }
        String location = started.headers().firstValue("Location").orElseThrow(
                () -> unexpected("starting upload of " + digest + " (no Location)", 202, RegistryError.NONE));
        return started.uri().resolve(location);
    }

    private static URI withDigest(URI session, Digest digest) {
        String separator = session.getRawQuery() == null ? "?" : "&";
        return URI.create(session + separator + "digest=" + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8));
    }

    /** The tags of this repository (GET /v2/&lt;name&gt;/tags/list). */
    public List<String> listTags() {
        URI uri = endpoint.resolve("/v2/" + repository + "/tags/list");
        HttpResponse<byte[]> response = sendAuthorized(() -> HttpRequest.newBuilder(uri).GET(), HttpResponse.BodyHandlers.ofByteArray(), "pull");
        if (response.statusCode() == 404) return List.of();
        if (response.statusCode() != 200) throw unexpected("listing tags of " + repository, response.statusCode(), RegistryError.parse(response.body()));
        List<String> tags = new ArrayList<>();
        OciJson.read(response.body(), JsonNode.class, "tag list").path("tags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    /** PUTs a manifest or index under a tag or digest; returns the digest of the bytes sent. */
    public Digest putManifest(String reference, String mediaType, byte[] content) {
        HttpResponse<byte[]> response = sendAuthorized(() -> HttpRequest.newBuilder(manifestUri(reference))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(content)),
                HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
        if (response.statusCode() != 201) {
            throw unexpected("putting manifest " + repository + ":" + reference, response.statusCode(),
                    RegistryError.parse(response.body()));
        }
        return Digest.sha256(content);
    }

    private URI manifestUri(String reference) {
        return endpoint.resolve("/v2/" + repository + "/manifests/" + reference);
    }

    private boolean sameHost(URI target) {
        return target.getAuthority() != null && target.getAuthority().equals(endpoint.base().getAuthority());
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private <T> HttpResponse<T> sendAuthorized(Supplier<HttpRequest.Builder> request, HttpResponse.BodyHandler<T> handler,
                                               String actions) {
        return sendAuthorized(request, handler, List.of("repository:" + repository + ":" + actions));
    }

    /** Sends with the cached credential for these scopes; on a 401 challenge, authenticates once and retries. */
    private <T> HttpResponse<T> sendAuthorized(Supplier<HttpRequest.Builder> request, HttpResponse.BodyHandler<T> handler,
                                               List<String> scopes) {
        HttpRequest.Builder first = request.get();
        authorization(scopes).ifPresent(a -> first.header("Authorization", a));
        HttpResponse<T> response = client.send(endpoint, first.build(), handler);
        if (response.statusCode() != 401) return response;
        Optional<AuthChallenge> challenge = response.headers().firstValue("WWW-Authenticate").flatMap(AuthChallenge::parse);
        if (challenge.isEmpty()) return response;
        if (response.body() instanceof InputStream stream) closeQuietly(stream);
        String credential = authenticate(challenge.get(), scopes);
        if (credential == null) return response;
        HttpRequest.Builder retry = request.get();
        retry.header("Authorization", credential);
        return client.send(endpoint, retry.build(), handler);
    }

    /**
     * Tokens are reused per registry, scopes and credentials (hashed: a token got anonymously or with
     * another password must never serve these credentials).
     */
    private String tokenKey(List<String> scopes) {
        String secret = auth == null ? "" : auth.identityToken() != null ? auth.identityToken() : auth.basicHeader();
        String who = auth == null ? "anonymous" : io.berth.oci.Digest.sha256(secret.getBytes(StandardCharsets.UTF_8)).hex();
        return endpoint.base().getAuthority() + "|" + who + "|" + String.join(" ", scopes);
    }

    private Optional<String> authorization(List<String> scopes) {
        return Optional.ofNullable(client.tokens.get(tokenKey(scopes)));
    }

    /**
     * Answers a challenge: Basic with the session's credentials, or a Bearer token from the realm
     * (GET with Basic credentials, anonymous without; POST with the refresh token for an identity token).
     */
    private String authenticate(AuthChallenge challenge, List<String> scopes) {
        String basic = basicCredentials();
        if (!challenge.isBearer()) {
            if (basic == null) return null;
            client.tokens.put(tokenKey(scopes), basic, Long.MAX_VALUE / 2);
            return basic;
        }
        HttpResponse<byte[]> response = requestToken(challenge, scopes, basic);
        if (response == null) return null;
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new io.berth.errdefs.InvalidArgumentException("unauthorized: authentication required by registry "
                    + endpoint.host() + (auth != null ? " (incorrect username or password)" : ""));
        }
        if (response.statusCode() != 200) {
            throw new UnavailableException("registry " + endpoint.host() + ": token endpoint " + challenge.params().get("realm")
                    + " answered HTTP " + response.statusCode());
        }
        JsonNode json = OciJson.read(response.body(), JsonNode.class, "token response");
        String token = json.hasNonNull("token") ? json.get("token").asText()
                : json.hasNonNull("access_token") ? json.get("access_token").asText() : null;
        if (token == null) return null;
        String header = "Bearer " + token;
        client.tokens.put(tokenKey(scopes), header, json.path("expires_in").asLong(0));
        return header;
    }

    private HttpResponse<byte[]> requestToken(AuthChallenge challenge, List<String> scopes, String basic) {
        String realm = challenge.params().get("realm");
        if (realm == null) return null;
        List<String> params = new ArrayList<>();
        String service = challenge.params().get("service");
        if (service != null) params.add("service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
        for (String scope : scopes) params.add("scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
        HttpRequest.Builder tokenRequest;
        if (auth != null && auth.identityToken() != null) {
            params.add("grant_type=refresh_token");
            params.add("client_id=berth");
            params.add("refresh_token=" + URLEncoder.encode(auth.identityToken(), StandardCharsets.UTF_8));
            tokenRequest = HttpRequest.newBuilder(URI.create(realm)).timeout(MANIFEST_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(String.join("&", params)));
        } else {
            if (auth != null && auth.username() != null) params.add("account=" + URLEncoder.encode(auth.username(), StandardCharsets.UTF_8));
            URI tokenUri = URI.create(realm + (params.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + String.join("&", params)));
            tokenRequest = HttpRequest.newBuilder(tokenUri).timeout(MANIFEST_TIMEOUT).GET();
            if (basic != null) tokenRequest.header("Authorization", basic);
        }
        return client.send(endpoint, tokenRequest.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private String basicCredentials() {
        if (auth != null && auth.username() != null) return auth.basicHeader();
        String userInfo = endpoint.base().getUserInfo();
        if (userInfo == null) return null;
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** docker login's check: /v2/ must accept the credentials (directly, or through a token they obtain). */
    void verifyLogin() {
        URI ping = endpoint.resolve("/v2/");
        HttpResponse<byte[]> response = client.send(endpoint, HttpRequest.newBuilder(ping).timeout(MANIFEST_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 200) return; // an open registry accepts anyone
        Optional<AuthChallenge> challenge = response.headers().firstValue("WWW-Authenticate").flatMap(AuthChallenge::parse);
        if (response.statusCode() != 401 || challenge.isEmpty()) {
            throw unexpected("checking login", response.statusCode(), RegistryError.parse(response.body()));
        }
        String credential;
        if (challenge.get().isBearer()) {
            HttpResponse<byte[]> token = requestToken(challenge.get(), List.of(), basicCredentials());
            if (token == null || token.statusCode() != 200) throw badCredentials();
            JsonNode json = OciJson.read(token.body(), JsonNode.class, "token response");
            String value = json.hasNonNull("token") ? json.get("token").asText() : json.path("access_token").asText(null);
            if (value == null) throw badCredentials();
            credential = "Bearer " + value;
        } else {
            credential = basicCredentials();
            if (credential == null) throw badCredentials();
        }
        HttpResponse<Void> check = client.send(endpoint, HttpRequest.newBuilder(ping).timeout(MANIFEST_TIMEOUT)
                .header("Authorization", credential).GET().build(), HttpResponse.BodyHandlers.discarding());
        if (check.statusCode() != 200) throw badCredentials();
    }

    private io.berth.errdefs.InvalidArgumentException badCredentials() {
        return new io.berth.errdefs.InvalidArgumentException("login to " + endpoint.host()
                + " failed: unauthorized: incorrect username or password");
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // the connection is being abandoned anyway
        }
    }

    private static byte[] readAllQuietly(InputStream stream) {
        try (stream) {
            return stream.readNBytes(64 * 1024);
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
