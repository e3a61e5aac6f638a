package dev.lumen.layout.web;

import dev.lumen.contracts.layout.InvalidLayoutException;
import dev.lumen.contracts.layout.LayoutProblem;
import dev.lumen.layout.LayoutPlanning;
import dev.lumen.layout.LayoutServiceProperties;
import dev.lumen.layout.planner.NothingToPlaceException;
import dev.lumen.layout.planner.PlanRequest;
import dev.lumen.layout.planner.PlanResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/layouts}: plan a layout from a prompt; {@code POST /v1/layouts/validate}: check
 * and normalise a user layout, or say exactly what is wrong with it (400, every problem under
 * {@code errors} with its field). Planning is CPU work of a few milliseconds (a parse and eight
 * candidate placements of ≤ 16 boxes), so it moves off the Netty event loop to Reactor's parallel
 * scheduler, which is meant for CPU-bound work.
 */
@RestController
public class LayoutsController {
    private static final Logger log = LoggerFactory.getLogger(LayoutsController.class);
    private static final Set<String> PLAN_FIELDS = Set.of("prompt", "width", "height", "max_regions", "planner");
    private static final Set<String> VALIDATE_FIELDS = Set.of("layout", "prompt", "width", "height", "max_regions");
    private static final int MAX_SIDE = 8192;

    private final LayoutPlanning planning;
    private final LayoutServiceProperties properties;

    public LayoutsController(LayoutPlanning planning, LayoutServiceProperties properties) {
        this.planning = planning;
        this.properties = properties;
    }

    @PostMapping(path = "/v1/layouts", produces = MediaType.APPLICATION_JSON_VALUE)
    public Mono<PlanResult> plan(ServerWebExchange exchange) {
        return JsonRequests.object(exchange.getRequest(), properties.maxBodyBytes(), PLAN_FIELDS)
                .publishOn(Schedulers.parallel())
                .map(this::plan);
    }

    private PlanResult plan(JsonNode body) {
        String prompt = JsonRequests.string(body, "prompt", properties.maxPromptChars(), true);
        int width = JsonRequests.integer(body, "width", 16, MAX_SIDE, properties.defaultSide());
        int height = JsonRequests.integer(body, "height", 16, MAX_SIDE, properties.defaultSide());
        int maxRegions = JsonRequests.integer(body, "max_regions", 1, properties.maxRegions(), properties.maxRegions());
        String planner = JsonRequests.string(body, "planner", 16, false);
        if (planner != null && !planner.equals("auto") && !planner.equals("rule")) {
            throw ProblemException.invalid("planner", planner.equals("llm")
                    ? "\"llm\" is not available: this layout-service has no LLM planner; use \"rule\" or \"auto\""
                    : "must be \"auto\" or \"rule\"");
        }
        long t0 = System.nanoTime();
        PlanResult result;
        try {
            result = planning.plan(new PlanRequest(prompt, width, height, maxRegions));
        } catch (NothingToPlaceException e) {
            throw new ProblemException(HttpStatus.UNPROCESSABLE_CONTENT, "layout-not-planned", e.getMessage(),
                    Map.of("field", "prompt", "unknown_words", e.unknownWords()));
        }
        log.atInfo().addKeyValue("regions", result.layout().regions().size())
                .addKeyValue("score", result.scores().score()).addKeyValue("warnings", result.warnings().size())
                .addKeyValue("unknownWords", result.ir().unknownWords())
                .addKeyValue("us", (System.nanoTime() - t0) / 1000).log("layout planned");
        return result;
    }

    @PostMapping(path = "/v1/layouts/validate", produces = MediaType.APPLICATION_JSON_VALUE)
    public Mono<LayoutPlanning.Validation> validate(ServerWebExchange exchange) {
        return JsonRequests.object(exchange.getRequest(), properties.maxBodyBytes(), VALIDATE_FIELDS).map(body -> {
            if (!body.has("layout") || body.get("layout").isNull()) {
                throw ProblemException.invalid("layout", "is required: the layout object to check");
            }
            String prompt = JsonRequests.string(body, "prompt", properties.maxPromptChars(), false);
            int width = JsonRequests.integer(body, "width", 16, MAX_SIDE, properties.defaultSide());
            int height = JsonRequests.integer(body, "height", 16, MAX_SIDE, properties.defaultSide());
            int maxRegions = JsonRequests.integer(body, "max_regions", 1, properties.maxRegions(), properties.maxRegions());
            try {
                return planning.validate(body.get("layout"), prompt, width, height, maxRegions);
            } catch (InvalidLayoutException e) {
                throw invalidLayout(e);
            }
        });
    }

    /** 400 naming the first problem in the detail and every problem under {@code errors}. */
    static ProblemException invalidLayout(InvalidLayoutException e) {
        List<Map<String, String>> errors = e.problems().stream()
                .map((LayoutProblem p) -> Map.of("field", p.field(), "message", p.message())).toList();
        int more = e.problems().size() - 1;
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("field", e.first().field());
        properties.put("errors", errors);
        return new ProblemException(HttpStatus.BAD_REQUEST, "invalid-request", "\"" + e.first().field() + "\" "
                + e.first().message() + (more > 0 ? " (and " + more + " more problem" + (more > 1 ? "s" : "") + ", see errors)" : ""),
                properties);
    }

}
