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

    private final RegistryClient client;
    private final Endpoint endpoint;
    private final String repository;

    RegistryRepository(RegistryClient client, Endpoint endpoint, String repository) {
        this.client = client;
        this.endpoint = endpoint;
        this.repository = repository;
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
                String repo = displayName.replaceAll("[:@].*$", "");
                return new NotFoundException("repository " + repo + " not found: " + error.describe("name unknown"));
            }
            return new NotFoundException("manifest for " + displayName + " not found: " + error.describe("manifest unknown"));
        }
        if (status == 401 || status == 403) {
            String repo = displayName.replaceAll("[:@].*$", "");
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
            if (sameHost(target)) authorization("pull").ifPresent(a -> next.header("Authorization", a));
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
        URI start = endpoint.resolve("/v2/" + repository + "/blobs/uploads/");
        HttpResponse<byte[]> started = sendAuthorized(() -> HttpRequest.newBuilder(start)
                .POST(HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
        if (started.statusCode() != 202) {
            throw unexpected("starting upload of " + digest, started.statusCode(), RegistryError.parse(started.body()));
        }
        String location = started.headers().firstValue("Location").orElseThrow(
                () -> unexpected("starting upload of " + digest + " (no Location)", 202, RegistryError.NONE));
        URI session = started.uri().resolve(location);
        String separator = session.getRawQuery() == null ? "?" : "&";
        URI put = URI.create(session + separator + "digest=" + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> finished = sendAuthorized(() -> HttpRequest.newBuilder(put)
                .header("Content-Type", "application/octet-stream").PUT(body.get()), HttpResponse.BodyHandlers.ofByteArray(), "pull,push");
        if (finished.statusCode() != 201) {
            throw unexpected("uploading " + digest, finished.statusCode(), RegistryError.parse(finished.body()));
        }
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
        HttpRequest.Builder first = request.get();
        authorization(actions).ifPresent(a -> first.header("Authorization", a));
        HttpResponse<T> response = client.send(endpoint, first.build(), handler);
        if (response.statusCode() != 401) return response;
        Optional<AuthChallenge> challenge = response.headers().firstValue("WWW-Authenticate").flatMap(AuthChallenge::parse);
        if (challenge.isEmpty()) return response;
        if (response.body() instanceof InputStream stream) closeQuietly(stream);
        String credential = authenticate(challenge.get(), actions);
        if (credential == null) return response;
        HttpRequest.Builder retry = request.get();
        retry.header("Authorization", credential);
        return client.send(endpoint, retry.build(), handler);
    }

    private String tokenKey(String actions) {
        return endpoint.base().getAuthority() + "/" + repository + "#" + actions;
    }

    private Optional<String> authorization(String actions) {
        String cached = client.tokens.get(tokenKey(actions));
        return Optional.ofNullable(cached);
    }

    /** Answers a challenge: Basic from URI credentials, or a Bearer token from the realm (anonymous unless credentials). */
    private String authenticate(AuthChallenge challenge, String actions) {
        String basic = basicCredentials();
        if (!challenge.isBearer()) {
            if (basic == null) return null;
            client.tokens.put(tokenKey(actions), basic, Long.MAX_VALUE / 2);
            return basic;
        }
        String realm = challenge.params().get("realm");
        if (realm == null) return null;
        StringBuilder query = new StringBuilder();
        String service = challenge.params().get("service");
        if (service != null) query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        String scope = "repository:" + repository + ":" + actions;
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpRequest.Builder tokenRequest = HttpRequest.newBuilder(tokenUri).timeout(MANIFEST_TIMEOUT).GET();
        if (basic != null) tokenRequest.header("Authorization", basic);
        HttpResponse<byte[]> response = client.send(endpoint, tokenRequest.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new UnavailableException("registry " + endpoint.host() + ": token endpoint " + realm
                    + " answered HTTP " + response.statusCode());
        }
        JsonNode json = OciJson.read(response.body(), JsonNode.class, "token response");
        String token = json.hasNonNull("token") ? json.get("token").asText()
                : json.hasNonNull("access_token") ? json.get("access_token").asText() : null;
        if (token == null) return null;
        String header = "Bearer " + token;
        client.tokens.put(tokenKey(actions), header, json.path("expires_in").asLong(0));
        return header;
    }

    private String basicCredentials() {
        String userInfo = endpoint.base().getUserInfo();
        if (userInfo == null) return null;
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
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
