package dev.lumen.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** How keys are made and stored: random 32-byte keys, kept only as hex SHA-256 of their UTF-8 text. */
public final class ApiKeyHashes {
    /** Prefix of generated keys, so a leaked one is recognisable in logs and secret scanners. */
    public static final String PREFIX = "lmn_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeyHashes() {
    }

    /** Lower-case hex SHA-256 of the key's UTF-8 bytes. */
    public static String sha256(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A new random key: the prefix and 32 random bytes, base64url without padding. */
    public static String newKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
