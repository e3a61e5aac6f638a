package dev.lumen.layout.web;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders every error as RFC 9457 {@code application/problem+json}: layout-service's own
 * {@link ProblemException}s, Spring's routing errors (unknown path 404, wrong method 405, media
 * type 415) and anything unexpected (500, logged). A {@link WebExceptionHandler} ahead of Boot's
 * default, like the gateway's, so routing errors are covered too.
 */
@Component
@Order(-2)
public class ProblemHandler implements WebExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    private static final String BASE = "https://lumen.dev/problems/";

    private final JsonMapper json = JsonMapper.builder().build();

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        ProblemException problem = toProblem(ex, exchange);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", BASE + problem.type());
        body.put("title", title(problem.status()));
        body.put("status", problem.status().value());
        body.put("detail", problem.getMessage());
        body.put("instance", exchange.getRequest().getPath().value());
        body.putAll(problem.properties());
        response.setStatusCode(problem.status());
        response.getHeaders().clear();
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(json.writeValueAsBytes(body))));
    }

    private static String title(HttpStatus status) {
        return switch (status) {
            case BAD_REQUEST -> "Invalid request";
            case UNPROCESSABLE_CONTENT -> "No layout could be planned from the prompt";
            default -> status.getReasonPhrase();
        };
    }

    private static ProblemException toProblem(Throwable ex, ServerWebExchange exchange) {
        if (ex instanceof ProblemException p) {
            return p;
        }
        if (ex instanceof DataBufferLimitException) {
            return new ProblemException(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "request body is larger than allowed",
                    Map.of());
        }
        if (ex instanceof ErrorResponse e) {
            HttpStatusCode status = e.getStatusCode();
            String path = exchange.getRequest().getPath().value();
            return switch (status.value()) {
                case 404 -> new ProblemException(HttpStatus.NOT_FOUND, "not-found", "no such resource: " + path, Map.of());
                case 405 -> new ProblemException(HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed",
                        exchange.getRequest().getMethod() + " is not allowed on " + path, Map.of());
                case 406 -> new ProblemException(HttpStatus.NOT_ACCEPTABLE, "not-acceptable",
                        "no acceptable representation for the Accept header", Map.of());
                case 415 -> new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                        "send application/json", Map.of());
                default -> status.is4xxClientError()
                        ? new ProblemException(HttpStatus.BAD_REQUEST, "invalid-request",
                        e.getBody().getDetail() != null ? e.getBody().getDetail() : "invalid request", Map.of())
                        : internal(ex, exchange);
            };
        }
        return internal(ex, exchange);
    }

    private static ProblemException internal(Throwable ex, ServerWebExchange exchange) {
        log.atError().setCause(ex).addKeyValue("path", exchange.getRequest().getPath().value())
                .addKeyValue("requestId", exchange.getRequest().getId()).log("unexpected error");
        return new ProblemException(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "internal error; the request id is in"
                + " the logs", Map.of("request_id", exchange.getRequest().getId()));
    }
}
