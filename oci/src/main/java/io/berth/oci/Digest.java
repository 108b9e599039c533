package io.berth.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.berth.errdefs.InvalidArgumentException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest "sha256:&lt;64 lowercase hex&gt;", the address of every blob, manifest and config.
 * Only sha256 is accepted: it is what every registry and the OCI spec require.
 */
public record Digest(String algorithm, String hex) {
    public static final String SHA256 = "sha256";
    private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");

    public Digest {
        if (!SHA256.equals(algorithm)) {
            throw new InvalidArgumentException("unsupported digest algorithm: " + algorithm);
        }
        if (hex == null || !SHA256_HEX.matcher(hex).matches()) {
            throw new InvalidArgumentException("invalid checksum digest format: " + algorithm + ":" + hex);
        }
    }

    @JsonCreator
    public static Digest parse(String text) {
        if (text == null) throw new InvalidArgumentException("invalid checksum digest format: null");
        int colon = text.indexOf(':');
        if (colon < 0) throw new InvalidArgumentException("invalid checksum digest format: " + text);
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** True for a well-formed "sha256:..." string, without throwing. */
    public static boolean isValid(String text) {
        return text != null && text.startsWith(SHA256 + ":") && SHA256_HEX.matcher(text.substring(7)).matches();
    }

    public static Digest ofHex(String hex) {
        return new Digest(SHA256, hex);
    }

    public static Digest sha256(byte[] bytes) {
        return fromHash(newSha256().digest(bytes));
    }

    static Digest fromHash(byte[] hash) {
        return new Digest(SHA256, HexFormat.of().formatHex(hash));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }

    /** The first 12 hex digits, docker's short id. */
    public String shortId() {
        return hex.substring(0, 12);
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
