package dev.lumen.gateway.layouts;

import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.jobs.RequestBodies;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /v1/layouts} and {@code POST /v1/layouts/validate}, relayed to layout-service as they
 * are (after authentication and the body limits every {@code /v1} request gets), so clients have
 * one base URL and one API key. layout-service owns the answers and their errors.
 */
@RestController
public class LayoutsController {
    private final LayoutServiceClient layouts;
    private final int maxBodyBytes;

    public LayoutsController(LayoutServiceClient layouts, GatewayProperties properties) {
        this.layouts = layouts;
        this.maxBodyBytes = properties.limits().maxBodyBytes();
    }

    @Operation(summary = "Plan a layout from a prompt (layout-service)", description = "The rule planner parses the prompt"
            + " into entities, counts, attributes, relations and places, then places one box per instance"
            + " deterministically: the same request always gives the same layout. Use the layout as \"layout\" of"
            + " POST /v1/jobs, or send \"layout\": \"auto\" there. 422 layout-not-planned when nothing in the prompt"
            + " can be placed.")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = LayoutDocs.PlanRequest.class)))
    @ApiResponse(responseCode = "200", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = LayoutDocs.PlanResponse.class)))
    @PostMapping(path = "/v1/layouts", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    public Mono<ResponseEntity<byte[]>> plan(ServerWebExchange exchange) {
        return RequestBodies.json(exchange.getRequest(), maxBodyBytes).flatMap(body -> layouts.relay("/v1/layouts", body));
    }

    @Operation(summary = "Validate and normalise a layout (layout-service)", description = "200 with the normalised"
            + " layout, its scores and warnings; 400 problem+json whose errors name every field at fault"
            + " (for example layout.regions[2].box.x1).")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = LayoutDocs.ValidateRequest.class)))
    @ApiResponse(responseCode = "200", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = LayoutDocs.ValidateResponse.class)))
    @PostMapping(path = "/v1/layouts/validate", produces = {MediaType.APPLICATION_JSON_VALUE,
            MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    public Mono<ResponseEntity<byte[]>> validate(ServerWebExchange exchange) {
        return RequestBodies.json(exchange.getRequest(), maxBodyBytes)
                .flatMap(body -> layouts.relay("/v1/layouts/validate", body));
    }
}
