package dev.lumen.gateway.errors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders every error of the gateway as RFC 9457 {@code application/problem+json}: the API's own
 * {@link ApiException}s, Spring's routing and input errors (unknown path, wrong method, bad media
 * type), and anything unexpected (500, logged with its stack trace). It is a
 * {@link WebExceptionHandler} ahead of Boot's default one rather than a controller advice, because
 * errors raised in web filters (authentication, rate limits) and in routing never reach an advice.
 * Each answer counts into {@code lumen_gateway_rejections_total{type}}.
 */
@Component
@Order(-2)
public class ProblemExceptionHandler implements WebExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemExceptionHandler.class);
    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private final JsonMapper json = JsonMapper.builder().build();
    private final MeterRegistry registry;
    private final Map<ProblemType, Counter> rejections = new ConcurrentHashMap<>();

    public ProblemExceptionHandler(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            // A stream (SSE) that already sent its headers cannot turn into a problem document.
            return Mono.error(ex);
        }
        ApiException problem = toApiException(ex, exchange);
        ProblemType type = problem.type();
        ProblemDetail detail = ProblemDetail.forStatusAndDetail(type.status(), problem.getMessage());
        detail.setType(type.uri());
        detail.setTitle(type.title());
        detail.setInstance(URI.create(exchange.getRequest().getPath().value()));
        problem.properties().forEach(detail::setProperty);
        detail.setProperty("request_id", exchange.getRequest().getId());

        rejections.computeIfAbsent(type, t -> Counter.builder("lumen.gateway.rejections")
                .description("Requests answered with a problem document, by problem type")
                .tag("type", t.slug()).register(registry)).increment();

        response.setStatusCode(type.status());
        HttpHeaders headers = response.getHeaders();
        headers.clear();
        headers.setContentType(PROBLEM_JSON);
        if (problem.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds(problem.retryAfter())));
        }
        if (type == ProblemType.UNAUTHORIZED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"lumen\"");
        }
        byte[] body = json.writeValueAsBytes(toMap(detail));
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    /** Retry-After is whole seconds; round up so a client never retries early, and never send 0. */
    static long retryAfterSeconds(Duration d) {
        long seconds = (d.toMillis() + 999) / 1000;
        return Math.max(1, seconds);
    }

    private ApiException toApiException(Throwable ex, ServerWebExchange exchange) {
        if (ex instanceof ApiException api) {
            return api;
        }
        if (ex instanceof DataBufferLimitException) {
            return new ApiException(ProblemType.PAYLOAD_TOO_LARGE, "request body is larger than allowed");
        }
        if (ex instanceof UnsupportedMediaTypeStatusException e) {
            return new ApiException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "content type " + e.getContentType()
                    + " is not supported; send application/json");
        }
        if (ex instanceof MethodNotAllowedException e) {
            return new ApiException(ProblemType.METHOD_NOT_ALLOWED, e.getHttpMethod() + " is not allowed here; allowed: "
                    + e.getSupportedMethods());
        }
        if (ex instanceof NotAcceptableStatusException) {
            return new ApiException(ProblemType.NOT_ACCEPTABLE, "no acceptable representation for the Accept header");
        }
        if (ex instanceof ServerWebInputException e) {
            return new ApiException(ProblemType.INVALID_REQUEST, e.getReason() != null ? e.getReason() : "invalid request");
        }
        if (ex instanceof ErrorResponse e) {
            HttpStatusCode status = e.getStatusCode();
            if (status.value() == 404) {
                return ApiException.notFound("no such resource: " + exchange.getRequest().getPath().value());
            }
            if (status.value() == 413) {
                return new ApiException(ProblemType.PAYLOAD_TOO_LARGE, "request body is larger than allowed");
            }
            if (status.is4xxClientError()) {
                String reason = e.getBody().getDetail();
                return new ApiException(ProblemType.INVALID_REQUEST, reason != null ? reason : "invalid request");
            }
            if (status.value() == 503) {
                return new ApiException(ProblemType.UNAVAILABLE, "temporarily unavailable", Map.of(), Duration.ofSeconds(5));
            }
        }
        log.atError().setCause(ex).addKeyValue("path", exchange.getRequest().getPath().value())
                .addKeyValue("requestId", exchange.getRequest().getId()).log("unexpected error");
        return new ApiException(ProblemType.INTERNAL, "internal error; the request id is in the logs");
    }

    private static Map<String, Object> toMap(ProblemDetail d) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("type", d.getType().toString());
        map.put("title", d.getTitle());
        map.put("status", d.getStatus());
        map.put("detail", d.getDetail());
        map.put("instance", String.valueOf(d.getInstance()));
        if (d.getProperties() != null) {
            map.putAll(d.getProperties());
        }
        return map;
    }

}
