package dev.lumen.gateway.layouts;

import dev.lumen.contracts.layout.InvalidLayoutException;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.errors.ProblemType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's calls to layout-service, non-blocking ({@link WebClient} on Reactor Netty): planning
 * a layout for {@code "layout": "auto"}, and relaying {@code POST /v1/layouts[/validate]} as they
 * are. Failures never leave a job half-submitted: layout-service missing, down, slow (past
 * {@code lumen.gateway.layout-service.timeout}) or answering 5xx becomes 503 with
 * {@code Retry-After}; a prompt it cannot plan becomes 422 {@code layout-not-planned}; a planned
 * layout is checked against this gateway's own layout limits before it is used, like a client's.
 */
@Component
public class LayoutServiceClient {
    private static final Logger log = LoggerFactory.getLogger(LayoutServiceClient.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    private static final String URL_PROPERTY = "lumen.gateway.layout-service.url";
    /** A planner's answer is small (at most 16 regions and an IR); anything far larger is not one. */
    private static final int MAX_RESPONSE_BYTES = 1024 * 1024;

    private final WebClient web;
    private final Duration timeout;
    private final JsonMapper json = JsonMapper.builder().build();

    public LayoutServiceClient(GatewayProperties properties) {
        GatewayProperties.LayoutService config = properties.layoutService();
        this.timeout = config.timeout();
        this.web = config.url() == null ? null : WebClient.builder()
                .baseUrl(config.url().toString().replaceAll("/+$", ""))
                .codecs(c -> c.defaultCodecs().maxInMemorySize(MAX_RESPONSE_BYTES))
                .build();
    }

    /** A layout planned from a prompt, with the planner's warnings. */
    public record Plan(Layout layout, List<String> warnings) {
    }

    /**
     * Plans a layout for a job's prompt and size.
     *
     * @return the planned layout, checked against {@code limits}; fails with an {@link ApiException}
     */
    public Mono<Plan> plan(String prompt, int width, int height, LayoutLimits limits) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("prompt", prompt);
        body.put("width", width);
        body.put("height", height);
        body.put("max_regions", limits.maxRegions());
        return call("/v1/layouts", json.writeValueAsBytes(body))
                .map(answer -> {
                    if (answer.getStatusCode().is2xxSuccessful()) {
                        return planned(answer.getBody(), prompt, limits);
                    }
                    throw refusal(answer);
                });
    }

    /** Sends {@code body} to layout-service's {@code path} and answers with its status, media type and body. */
    public Mono<ResponseEntity<byte[]>> relay(String path, byte[] body) {
        return call(path, body).map(answer -> {
            if (answer.getStatusCode().is5xxServerError()) {
                throw unavailable("layout-service failed (" + answer.getStatusCode().value() + ")");
            }
            return answer;
        });
    }

    private Mono<ResponseEntity<byte[]>> call(String path, byte[] body) {
        if (web == null) {
            return Mono.error(new ApiException(ProblemType.UNAVAILABLE, "this gateway has no layout-service ("
                    + URL_PROPERTY + " is not set); send a layout object instead of \"auto\"", Map.of(), RETRY_AFTER));
        }
        return web.post().uri(path).contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(body)
                .exchangeToMono(response -> response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0])
                        .map(bytes -> {
                            HttpHeaders headers = new HttpHeaders();
                            MediaType type = response.headers().contentType().orElse(MediaType.APPLICATION_JSON);
                            headers.setContentType(type);
                            return new ResponseEntity<>(bytes, headers, HttpStatusCode.valueOf(response.statusCode().value()));
                        }))
                .timeout(timeout)
                .onErrorMap(e -> !(e instanceof ApiException), e -> {
                    String why = e instanceof TimeoutException ? "did not answer within " + timeout
                            : e instanceof WebClientRequestException ? "is not reachable" : "failed: " + e.getMessage();
                    log.atWarn().addKeyValue("path", path).addKeyValue("error", e.toString()).log("layout-service call failed");
                    return unavailable("layout-service " + why);
                });
    }

    private Plan planned(byte[] body, String prompt, LayoutLimits limits) {
        JsonNode tree;
        try {
            tree = json.readTree(body);
        } catch (JacksonException e) {
            throw badAnswer("its answer is not JSON");
        }
        if (tree == null || !tree.isObject() || !tree.has("layout")) {
            throw badAnswer("its answer has no layout");
        }
        Layout layout;
        try {
            layout = LayoutJson.read(tree.get("layout"), "layout", limits, prompt);
        } catch (InvalidLayoutException e) {
            // Planned for this gateway's own limits, so this is a mismatch between the two, not the client's fault.
            throw badAnswer("it planned a layout this gateway refuses: " + e.getMessage());
        }
        List<String> warnings = new ArrayList<>();
        JsonNode w = tree.get("warnings");
        if (w != null && w.isArray()) {
            w.forEach(item -> warnings.add(item.asString()));
        }
        return new Plan(layout, warnings);
    }

    private ApiException refusal(ResponseEntity<byte[]> answer) {
        int status = answer.getStatusCode().value();
        if (status >= 500) {
            return unavailable("layout-service failed (" + status + ")");
        }
        String detail = "layout-service answered " + status;
        try {
            JsonNode problem = json.readTree(answer.getBody());
            if (problem != null && problem.has("detail")) {
                detail = problem.get("detail").asString();
            }
        } catch (JacksonException e) {
            // keep the status-only detail
        }
        if (status == 422) {
            return new ApiException(ProblemType.LAYOUT_NOT_PLANNED, "layout \"auto\": " + detail, Map.of("field", "layout"),
                    null);
        }
        return new ApiException(ProblemType.INVALID_REQUEST, "layout \"auto\": " + detail, Map.of("field", "layout"), null);
    }

    private static ApiException badAnswer(String why) {
        log.atError().addKeyValue("why", why).log("layout-service gave an unusable answer");
        return unavailable("layout-service gave an unusable answer (" + why + ")");
    }

    private static ApiException unavailable(String why) {
        return new ApiException(ProblemType.UNAVAILABLE, why + "; nothing was accepted, retry later", Map.of(), RETRY_AFTER);
    }
}
