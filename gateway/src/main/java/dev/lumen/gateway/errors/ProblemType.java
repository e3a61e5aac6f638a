package dev.lumen.gateway.errors;

import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * Every kind of error the API answers, each with a stable {@code type} URI (RFC 9457). Clients
 * branch on the type, never on the human-readable {@code detail}; a type, once published, keeps
 * its meaning and status.
 */
public enum ProblemType {
    INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "Invalid request"),
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "Missing or unknown API key"),
    NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    JOB_NOT_CANCELLABLE("job-not-cancellable", HttpStatus.CONFLICT, "Job already finished"),
    PAYLOAD_TOO_LARGE("payload-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request body too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    IDEMPOTENCY_KEY_REUSE("idempotency-key-reuse", HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused with another request"),
    RATE_LIMITED("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Rate limit exceeded"),
    QUOTA_EXCEEDED("quota-exceeded", HttpStatus.TOO_MANY_REQUESTS, "Queue quota exceeded"),
    LAYOUT_NOT_PLANNED("layout-not-planned", HttpStatus.UNPROCESSABLE_CONTENT, "No layout could be planned from the prompt"),
    GENERATION_FAILED("generation-failed", HttpStatus.BAD_GATEWAY, "Generation failed"),
    JOB_CANCELLED("job-cancelled", HttpStatus.CONFLICT, "Job cancelled"),
    UNAVAILABLE("unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Temporarily unavailable"),
    INTERNAL("internal", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    private static final String BASE = "https://lumen.dev/problems/";

    private final String slug;
    private final HttpStatus status;
    private final String title;

    ProblemType(String slug, HttpStatus status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    public URI uri() {
        return URI.create(BASE + slug);
    }

    /** The last segment of the type URI; also the {@code type} tag of the rejection metric. */
    public String slug() {
        return slug;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }
}
