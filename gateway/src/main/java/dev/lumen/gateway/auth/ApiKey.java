package dev.lumen.gateway.auth;

import dev.lumen.gateway.GatewayProperties.ApiKeyConfig;
import org.springframework.web.server.ServerWebExchange;

/**
 * The caller of a request once its key is known: the key's name (for logs and metrics, never the
 * secret), its tenant and its limits. Stored in the exchange by {@link ApiKeyFilter}.
 */
public record ApiKey(String name, String tenant, double ratePerSecond, int burst, int maxActiveJobs) {
    static final String ATTRIBUTE = ApiKey.class.getName();

    static ApiKey of(ApiKeyConfig config) {
        return new ApiKey(config.name(), config.tenant(), config.ratePerSecond(), config.burst(), config.maxActiveJobs());
    }

    /** The authenticated caller of {@code exchange}; the filter guarantees one on every {@code /v1} path. */
    public static ApiKey of(ServerWebExchange exchange) {
        ApiKey key = exchange.getAttribute(ATTRIBUTE);
        if (key == null) {
            throw new IllegalStateException("no API key on " + exchange.getRequest().getPath() + "; is ApiKeyFilter installed?");
        }
        return key;
    }
}
