package dev.lumen.gateway.auth;

import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.GatewayProperties.ApiKeyConfig;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.errors.ProblemType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Authenticates every {@code /v1} request by its {@code Authorization: Bearer <key>} header against
 * the configured SHA-256 hashes and puts the caller's {@link ApiKey} into the exchange. Keys are
 * looked up by their hash, so the configuration never holds a usable secret. In no-auth mode every
 * request runs as the configured local key, which is only allowed when the server listens on a
 * loopback address: checked here at start, so a misconfigured gateway does not start at all.
 */
@Component
public class ApiKeyFilter implements WebFilter, Ordered {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final String BEARER = "bearer ";

    private final Map<String, ApiKey> byHash = new HashMap<>();
    private final ApiKey local;

    public ApiKeyFilter(GatewayProperties properties, Environment environment) {
        GatewayProperties.Auth auth = properties.auth();
        for (ApiKeyConfig config : auth.keys()) {
            if (config.sha256().isEmpty()) {
                throw new IllegalArgumentException("lumen.gateway.auth.keys: key \"" + config.name() + "\" has no sha256");
            }
            if (byHash.put(config.sha256(), ApiKey.of(config)) != null) {
                throw new IllegalArgumentException("lumen.gateway.auth.keys: two keys have the sha256 of \"" + config.name() + "\"");
            }
        }
        if (auth.noAuth()) {
            String address = environment.getProperty("server.address", "");
            if (!isLoopback(address)) {
                throw new IllegalStateException("lumen.gateway.auth.no-auth=true needs server.address bound to a loopback"
                        + " address (127.0.0.1, ::1 or localhost), not \"" + address + "\"; anyone who can reach the port"
                        + " could use it as tenant " + auth.local().tenant());
            }
            local = ApiKey.of(auth.local());
            log.atWarn().addKeyValue("address", address).addKeyValue("tenant", local.tenant())
                    .log("authentication is OFF (lumen.gateway.auth.no-auth=true): every local request runs as one tenant");
        } else {
            local = null;
            if (byHash.isEmpty()) {
                log.warn("no API keys configured (lumen.gateway.auth.keys): every /v1 request will be refused with 401");
            }
        }
    }

    @Override
    public int getOrder() {
        // Before everything that needs a caller (and before the body is read).
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.equals("/v1") && !path.startsWith("/v1/")) {
            return chain.filter(exchange);
        }
        ApiKey key = local != null ? local : authenticate(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (key == null) {
            return Mono.error(new ApiException(ProblemType.UNAUTHORIZED,
                    "send a valid API key as \"Authorization: Bearer <key>\""));
        }
        exchange.getAttributes().put(ApiKey.ATTRIBUTE, key);
        return chain.filter(exchange);
    }

    private ApiKey authenticate(String header) {
        if (header == null || header.length() <= BEARER.length() || header.length() > 1024
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = header.substring(BEARER.length()).strip();
        return token.isEmpty() ? null : byHash.get(ApiKeyHashes.sha256(token));
    }

    private static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false; // unset: Netty listens on every interface
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
