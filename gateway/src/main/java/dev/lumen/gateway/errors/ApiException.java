package dev.lumen.gateway.errors;

import dev.lumen.contracts.density.InvalidDensityException;
import dev.lumen.contracts.layout.InvalidLayoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request the API refuses, with the problem type, a message for people that names the field or
 * limit at fault, optional extra problem members and an optional {@code Retry-After}. Rendered as
 * {@code application/problem+json} by {@link ProblemExceptionHandler}.
 */
public class ApiException extends RuntimeException {
    private final ProblemType type;
    private final transient Map<String, Object> properties;
    private final Duration retryAfter;

    public ApiException(ProblemType type, String detail) {
        this(type, detail, Map.of(), null);
    }

    public ApiException(ProblemType type, String detail, Map<String, Object> properties, Duration retryAfter) {
        super(detail, null, false, false);
        this.type = type;
        this.properties = new LinkedHashMap<>(properties);
        this.retryAfter = retryAfter;
    }

    public static ApiException invalid(String field, String message) {
        return new ApiException(ProblemType.INVALID_REQUEST, "\"" + field + "\" " + message, Map.of("field", field), null);
    }

    /**
     * 400 for a layout that breaks the rules: the detail names the first problem, {@code field} its
     * path, and {@code errors} lists every problem as {@code {field, message}}.
     */
    public static ApiException invalidLayout(InvalidLayoutException e) {
        List<Map<String, String>> errors = e.problems().stream()
                .map(p -> Map.of("field", p.field(), "message", p.message())).toList();
        int more = e.problems().size() - 1;
        String detail = "\"" + e.first().field() + "\" " + e.first().message()
                + (more > 0 ? " (and " + more + " more problem" + (more > 1 ? "s" : "") + ", see errors)" : "");
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("field", e.first().field());
        properties.put("errors", errors);
        return new ApiException(ProblemType.INVALID_REQUEST, detail, properties, null);
    }

    /**
     * 400 for a {@code token_density} that cannot run: the detail is the reader's message (it names
     * the rule, e.g. {@code token_density rules[1] (kv_pool): "s" must be 2 or 4, got 3}), {@code field}
     * the JSON path of the value at fault ({@code token_density.rules[1].s}).
     */
    public static ApiException invalidTokenDensity(InvalidDensityException e) {
        return new ApiException(ProblemType.INVALID_REQUEST, e.getMessage(), Map.of("field", e.field()), null);
    }

    public static ApiException notFound(String what) {
        return new ApiException(ProblemType.NOT_FOUND, what);
    }

    public ProblemType type() {
        return type;
    }

    public Map<String, Object> properties() {
        return properties;
    }

    /** How long the client should wait before retrying, or {@code null}. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
