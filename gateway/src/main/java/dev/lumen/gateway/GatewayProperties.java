package dev.lumen.gateway;

import dev.lumen.contracts.layout.LayoutLimits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the gateway is told, under {@code lumen.gateway.*}, validated at start so a bad value
 * stops the gateway with the property's name instead of surfacing as a 500 later.
 *
 * @param kafka          where {@code lumen.jobs}, {@code lumen.control} and {@code lumen.job-state} live
 * @param storage        the object store holding the images (read-only for the gateway)
 * @param limits         the documented request limits (see the ADR 0004)
 * @param auth           API keys or the localhost-only no-auth mode
 * @param models         the models offered, each with its worker pool and defaults; the first is the default
 * @param layoutService  where layout-service answers ({@code "layout": "auto"} and the {@code /v1/layouts} proxy)
 * @param syncWait       how long {@code POST /v1/images/generations} waits for a result before answering 202
 * @param quotaRetryAfter the {@code Retry-After} sent when a key's queue quota is full (no better estimate exists)
 */
@Validated
@ConfigurationProperties("lumen.gateway")
public record GatewayProperties(@Valid @NotNull @DefaultValue Kafka kafka,
                                @Valid @NotNull @DefaultValue Storage storage,
                                @Valid @NotNull @DefaultValue Limits limits,
                                @Valid @NotNull @DefaultValue Auth auth,
                                @Valid @NotEmpty List<Model> models,
                                @Valid @NotNull @DefaultValue LayoutService layoutService,
                                @NotNull @DefaultValue("60s") Duration syncWait,
                                @NotNull @DefaultValue("5s") Duration quotaRetryAfter) {

    public GatewayProperties {
        requirePositive(syncWait, "lumen.gateway.sync-wait");
        requirePositive(quotaRetryAfter, "lumen.gateway.quota-retry-after");
        if (models != null) {
            models = List.copyOf(models);
            if (models.stream().map(Model::name).distinct().count() != models.size()) {
                throw new IllegalArgumentException("lumen.gateway.models: model names must be unique");
            }
        }
    }

    /** The model used when a request names none. */
    public Model defaultModel() {
        return models.getFirst();
    }

    /**
     * Kafka client settings.
     *
     * @param bootstrapServers Kafka's {@code bootstrap.servers}
     * @param topicPrefix      put before every topic name, so several installations or tests share a cluster
     * @param clientId         client id prefix of the producer and the job-state consumer
     * @param sendTimeout      how long a publish may take before the request fails with 503
     *                         ({@code delivery.timeout.ms}; the producer retries within it)
     */
    public record Kafka(@NotBlank @DefaultValue("127.0.0.1:9092") String bootstrapServers,
                        @NotNull @Pattern(regexp = "[A-Za-z0-9._-]*") @DefaultValue("") String topicPrefix,
                        @NotBlank @DefaultValue("lumen-gateway") String clientId,
                        @NotNull @DefaultValue("15s") Duration sendTimeout) {
        public Kafka {
            requirePositive(sendTimeout, "lumen.gateway.kafka.send-timeout");
        }
    }

    /**
     * The object store. {@code urlTtl} is how long the URLs of the OpenAI endpoint stay valid
     * (OpenAI promises 60 minutes, so less is refused); {@code redirectTtl} is the lifetime of the
     * URL behind {@code GET /v1/jobs/{id}/images/{i}}, which clients follow at once.
     */
    public record Storage(@NotNull @DefaultValue("http://127.0.0.1:9000") URI endpoint,
                          @NotBlank @DefaultValue("us-east-1") String region,
                          @NotBlank @DefaultValue("lumen-local") String accessKey,
                          @NotBlank @DefaultValue("lumen-local-secret") String secretKey,
                          @NotBlank @DefaultValue("lumen") String bucket,
                          @NotNull @DefaultValue("60m") Duration urlTtl,
                          @NotNull @DefaultValue("5m") Duration redirectTtl) {
        public Storage {
            if (urlTtl != null && urlTtl.compareTo(Duration.ofMinutes(60)) < 0) {
                throw new IllegalArgumentException("lumen.gateway.storage.url-ttl must be at least 60m (OpenAI clients"
                        + " expect URLs valid for an hour): " + urlTtl);
            }
            requirePositive(redirectTtl, "lumen.gateway.storage.redirect-ttl");
        }

        @Override
        public String toString() {
            // Never print the secret key into logs.
            return "Storage[endpoint=" + endpoint + ", bucket=" + bucket + ", accessKey=" + accessKey + "]";
        }
    }

    /**
     * The layout-service the gateway calls for {@code "layout": "auto"} and proxies
     * {@code POST /v1/layouts[/validate]} to. Without a {@code url} both answer 503 naming this
     * property, and jobs with a layout object still work.
     *
     * @param url     base URL, e.g. {@code http://layout-service:8081}; empty for none
     * @param timeout how long one call may take before the request fails with 503 (nothing is queued)
     */
    public record LayoutService(URI url, @NotNull @DefaultValue("5s") Duration timeout) {
        public LayoutService {
            requirePositive(timeout, "lumen.gateway.layout-service.timeout");
            if (url != null && (url.getScheme() == null || !url.getScheme().matches("https?") || url.getHost() == null)) {
                throw new IllegalArgumentException("lumen.gateway.layout-service.url must be an http(s) URL with a host: " + url);
            }
        }
    }

    /** Request limits; every violation answers 400 naming the field and the limit. */
    public record Limits(@Min(1) @Max(100_000) @DefaultValue("2000") int maxPromptChars,
                         @Min(1) @Max(100_000) @DefaultValue("2000") int maxNegativePromptChars,
                         @Min(1) @Max(16) @DefaultValue("4") int maxImages,
                         @Min(8) @DefaultValue("64") int minSide,
                         @Max(8192) @DefaultValue("2048") int maxSide,
                         @Min(1) @DefaultValue("8") int sideMultiple,
                         @Min(1) @Max(1000) @DefaultValue("50") int maxSteps,
                         @Min(0) @DefaultValue("20") double maxGuidanceScale,
                         @Min(0) @DefaultValue("9007199254740992") long maxSeed,
                         @DefaultValue("-10") int minPriority,
                         @DefaultValue("10") int maxPriority,
                         @Min(1) @Max(LayoutLimits.HARD_MAX_REGIONS) @DefaultValue("10") int maxLayoutRegions,
                         @Min(1) @Max(2000) @DefaultValue("400") int maxRegionCaptionChars,
                         @Min(1024) @Max(16 * 1024 * 1024) @DefaultValue("65536") int maxBodyBytes) {
        public Limits {
            if (minSide > maxSide) {
                throw new IllegalArgumentException("lumen.gateway.limits: min-side " + minSide + " > max-side " + maxSide);
            }
            if (minPriority > maxPriority) {
                throw new IllegalArgumentException("lumen.gateway.limits: min-priority " + minPriority
                        + " > max-priority " + maxPriority);
            }
        }

        /** The layout rules of this gateway: its region count, the prompt limit for the global caption. */
        public LayoutLimits layoutLimits() {
            return new LayoutLimits(maxLayoutRegions, maxPromptChars, maxRegionCaptionChars);
        }
    }

    /**
     * Authentication. With {@code noAuth} every request runs as tenant {@code local} with the
     * {@code local*} limits; the gateway refuses to start that way unless {@code server.address}
     * is a loopback address.
     */
    public record Auth(@DefaultValue("false") boolean noAuth,
                       @Valid @NotNull @DefaultValue ApiKeyConfig local,
                       @Valid List<ApiKeyConfig> keys) {
        public Auth {
            keys = keys == null ? List.of() : List.copyOf(keys);
        }
    }

    /**
     * One API key, stored as the hex SHA-256 of the key (make one with {@code ApiKeyTool}).
     *
     * @param name          a label for logs and metrics (never the key)
     * @param sha256        lower-case hex SHA-256 of the UTF-8 key
     * @param tenant        whose jobs and images the key sees
     * @param ratePerSecond token-bucket refill rate for submissions
     * @param burst         token-bucket capacity
     * @param maxActiveJobs jobs submitted with this key that may be non-terminal at once
     */
    public record ApiKeyConfig(@NotBlank @DefaultValue("local") String name,
                               @NotNull @Pattern(regexp = "[0-9a-f]{64}|") @DefaultValue("") String sha256,
                               @NotNull @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_-]{0,127}") @DefaultValue("local") String tenant,
                               @Min(0) @DefaultValue("5") double ratePerSecond,
                               @Min(1) @DefaultValue("20") int burst,
                               @Min(1) @DefaultValue("16") int maxActiveJobs) {
    }

    /**
     * A model clients may ask for, the worker pool that serves it (informational here; the
     * scheduler routes) and its defaults for omitted fields.
     */
    public record Model(@NotBlank String name,
                        @NotBlank String pool,
                        @NotNull @Pattern(regexp = "\\d{1,5}x\\d{1,5}") @DefaultValue("512x512") String defaultSize,
                        @Min(1) @DefaultValue("20") int defaultSteps,
                        @NotNull @Pattern(regexp = "lcm|dpm-solver") @DefaultValue("dpm-solver") String defaultSampler,
                        @Min(0) @DefaultValue("4.5") double defaultGuidanceScale) {
        public int defaultWidth() {
            return Integer.parseInt(defaultSize.substring(0, defaultSize.indexOf('x')));
        }

        public int defaultHeight() {
            return Integer.parseInt(defaultSize.substring(defaultSize.indexOf('x') + 1));
        }
    }

    private static void requirePositive(Duration d, String name) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
