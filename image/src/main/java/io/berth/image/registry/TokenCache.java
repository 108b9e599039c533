package io.berth.image.registry;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Bearer tokens per (registry, scope), reused until shortly before they expire. */
final class TokenCache {
    private record Token(String value, Instant expires) {}

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    String get(String key) {
        Token token = tokens.get(key);
        if (token == null || Instant.now().isAfter(token.expires())) return null;
        return token.value();
    }

    void put(String key, String value, long expiresInSeconds) {
        // Tokens without expires_in live 60 s (distribution's token spec); renew 10 s early.
        // Basic credentials never expire: a year stands in for "forever" without overflowing Instant.
        long lifetime = Math.min(365L * 24 * 3600, Math.max(10, (expiresInSeconds > 0 ? expiresInSeconds : 60) - 10));
        tokens.put(key, new Token(value, Instant.now().plusSeconds(lifetime)));
    }
}
