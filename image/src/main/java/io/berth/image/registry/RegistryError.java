package io.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/** The first entry of a Distribution API error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}. */
record RegistryError(String code, String message) {
    static final RegistryError NONE = new RegistryError(null, null);
    private static final ObjectMapper JSON = new ObjectMapper();

    static RegistryError parse(byte[] body) {
        if (body == null || body.length == 0) return NONE;
        try {
            JsonNode first = JSON.readTree(body).path("errors").path(0);
            if (first.isMissingNode()) return NONE;
            return new RegistryError(first.path("code").asText(null), first.path("message").asText(null));
        } catch (IOException e) {
            return NONE;
        }
    }

    boolean is(String wanted) {
        return wanted.equals(code);
    }

    boolean isEmpty() {
        return code == null && message == null;
    }

    /** "manifest unknown: manifest unknown" style text as docker prints it, or the fallback when there is no body. */
    String describe(String fallback) {
        if (isEmpty()) return fallback;
        String codeText = code == null ? fallback : code.toLowerCase().replace('_', ' ');
        return message == null || message.isBlank() ? codeText : codeText + ": " + message;
    }
}
