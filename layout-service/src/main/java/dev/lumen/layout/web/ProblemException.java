package dev.lumen.layout.web;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A request layout-service refuses: status, a stable problem type (RFC 9457, under
 * {@code https://lumen.dev/problems/}, the same types the gateway uses), a detail naming the field,
 * and extra members ({@code field}, {@code errors}).
 */
public class ProblemException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final transient Map<String, Object> properties;

    public ProblemException(HttpStatus status, String type, String detail, Map<String, Object> properties) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.properties = new LinkedHashMap<>(properties);
    }

    public static ProblemException invalid(String field, String message) {
        return new ProblemException(HttpStatus.BAD_REQUEST, "invalid-request", "\"" + field + "\" " + message,
                Map.of("field", field));
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
