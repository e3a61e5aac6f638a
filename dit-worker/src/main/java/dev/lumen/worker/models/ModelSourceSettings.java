package dev.lumen.worker.models;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How models are fetched: where the cache is, which Hub endpoint and token to use, whether to stay
 * offline, the S3 endpoint and credentials for {@code s3://} sources, and how hard to retry a
 * broken transfer.
 *
 * @param cacheDir      the model cache (layout in {@link ModelCache})
 * @param hubEndpoint   the Hub's base URL ({@code https://huggingface.co}, or a mirror)
 * @param token         a Hub access token for private or gated repositories; null for none
 * @param offline       never ask the network: sources resolve from the cache or fail
 * @param s3Endpoint    the S3 service of {@code s3://} sources; null when none is configured
 * @param maxAttempts   transfers of one file before giving up (each attempt resumes the last)
 * @param retryBackoff  pause before the second attempt; it doubles for each further one
 */
public record ModelSourceSettings(Path cacheDir, URI hubEndpoint, String token, boolean offline, URI s3Endpoint,
                                  String s3Region, String s3AccessKey, String s3SecretKey, int maxAttempts,
                                  Duration retryBackoff) {
    public static final URI DEFAULT_HUB = URI.create("https://huggingface.co");

    public ModelSourceSettings {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(hubEndpoint, "hubEndpoint");
        if (!"http".equals(hubEndpoint.getScheme()) && !"https".equals(hubEndpoint.getScheme())) {
            throw new IllegalArgumentException("HF_ENDPOINT must be an http or https URL, not " + hubEndpoint);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, not " + maxAttempts);
        }
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (token != null && token.isBlank()) {
            token = null;
        }
    }

    /**
     * From environment-style keys: {@code LUMEN_MODEL_CACHE} (default {@code $XDG_CACHE_HOME/lumen/models},
     * else {@code ~/.cache/lumen/models}), {@code HF_ENDPOINT}, {@code HF_TOKEN},
     * {@code HF_HUB_OFFLINE} (1/true), and for S3 {@code LUMEN_MODEL_S3_ENDPOINT},
     * {@code LUMEN_MODEL_S3_REGION}, {@code LUMEN_MODEL_S3_ACCESS_KEY}, {@code LUMEN_MODEL_S3_SECRET_KEY},
     * each falling back to the image store's {@code LUMEN_S3_*} key of the same name.
     */
    public static ModelSourceSettings fromEnv(Map<String, String> env) {
        String cache = blankToNull(env.get("LUMEN_MODEL_CACHE"));
        Path cacheDir;
        if (cache != null) {
            cacheDir = Path.of(cache);
        } else if (blankToNull(env.get("XDG_CACHE_HOME")) != null) {
            cacheDir = Path.of(env.get("XDG_CACHE_HOME").strip(), "lumen", "models");
        } else {
            cacheDir = Path.of(System.getProperty("user.home"), ".cache", "lumen", "models");
        }
        String hub = blankToNull(env.get("HF_ENDPOINT"));
        String offline = blankToNull(env.get("HF_HUB_OFFLINE"));
        String s3 = s3(env, "ENDPOINT");
        return new ModelSourceSettings(cacheDir, hub == null ? DEFAULT_HUB : URI.create(hub),
                blankToNull(env.get("HF_TOKEN")),
                offline != null && (offline.equals("1") || offline.equalsIgnoreCase("true")),
                s3 == null ? null : URI.create(s3), s3(env, "REGION"), s3(env, "ACCESS_KEY"), s3(env, "SECRET_KEY"),
                5, Duration.ofSeconds(1));
    }

    public ModelSourceSettings withCacheDir(Path dir) {
        return new ModelSourceSettings(dir, hubEndpoint, token, offline, s3Endpoint, s3Region, s3AccessKey, s3SecretKey,
                maxAttempts, retryBackoff);
    }

    public ModelSourceSettings withToken(String value) {
        return new ModelSourceSettings(cacheDir, hubEndpoint, value, offline, s3Endpoint, s3Region, s3AccessKey,
                s3SecretKey, maxAttempts, retryBackoff);
    }

    public ModelSourceSettings withOffline(boolean value) {
        return new ModelSourceSettings(cacheDir, hubEndpoint, token, value, s3Endpoint, s3Region, s3AccessKey,
                s3SecretKey, maxAttempts, retryBackoff);
    }

    public ModelSourceSettings withRetries(int attempts, Duration backoff) {
        return new ModelSourceSettings(cacheDir, hubEndpoint, token, offline, s3Endpoint, s3Region, s3AccessKey,
                s3SecretKey, attempts, backoff);
    }

    @Override
    public String toString() {
        // Neither the token nor the secret key goes into logs.
        return "ModelSourceSettings[cacheDir=" + cacheDir + ", hubEndpoint=" + hubEndpoint + ", token="
                + (token == null ? "none" : "set") + ", offline=" + offline + ", s3Endpoint=" + s3Endpoint + "]";
    }

    private static String s3(Map<String, String> env, String key) {
        String own = blankToNull(env.get("LUMEN_MODEL_S3_" + key));
        return own != null ? own : blankToNull(env.get("LUMEN_S3_" + key));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
