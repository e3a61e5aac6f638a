package dev.lumen.gateway.jobs;

import dev.lumen.contracts.JobState;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.auth.ApiKey;
import dev.lumen.gateway.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import java.net.URI;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The job API: submit ({@code 202} once Kafka has the job), list, read, stream events, cancel.
 * Every handler acts for the caller's tenant only.
 */
@RestController
public class JobsController {
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;

    private final JobService jobs;
    private final RequestParser parser;
    private final JobView view;
    private final int maxBodyBytes;

    public JobsController(JobService jobs, RequestParser parser, JobView view, GatewayProperties properties) {
        this.jobs = jobs;
        this.parser = parser;
        this.view = view;
        this.maxBodyBytes = properties.limits().maxBodyBytes();
    }

    @Operation(summary = "Submit a generation job", description = "202 with Location once the job is durably queued."
            + " Same Idempotency-Key and body: the same job again; same key, other body: 422.")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = GenerationRequest.class)))
    @PostMapping(path = "/v1/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<JobJson>> submit(ServerWebExchange exchange,
                                                @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        ApiKey key = ApiKey.of(exchange);
        return Mono.defer(() -> {
                    jobs.checkRate(key);
                    String idem = JobService.checkIdempotencyKey(idempotencyKey);
                    return RequestBodies.json(exchange.getRequest(), maxBodyBytes)
                            .map(parser::parseJob)
                            .flatMap(request -> jobs.submit(key, request, idem, "jobs", jobs.remoteParent(exchange)));
                })
                .map(s -> ResponseEntity.accepted().location(URI.create(JobJson.self(s.job().jobId())))
                        .header("Idempotent-Replayed", Boolean.toString(s.replayed()))
                        .body(JobJson.of(s.job())));
    }

    @Operation(summary = "The caller's recent jobs, newest first", description = "Up to limit (1-"
            + MAX_PAGE + ", default " + DEFAULT_PAGE + ") jobs of the caller's tenant, each as GET /v1/jobs/{id} shows it.")
    @GetMapping(path = "/v1/jobs", produces = MediaType.APPLICATION_JSON_VALUE)
    public JobJson.Page list(ServerWebExchange exchange,
                             @Parameter(description = "page size, 1-" + MAX_PAGE) @RequestParam(name = "limit", required = false) String limit) {
        return JobJson.Page.of(jobs.recent(ApiKey.of(exchange), pageSize(limit)));
    }

    /** {@code limit} as given, read here rather than bound, so a bad value is a 400 naming the field. */
    static int pageSize(String limit) {
        if (limit == null) {
            return DEFAULT_PAGE;
        }
        if (!limit.matches("[0-9]{1,4}")) {
            throw ApiException.invalid("limit", "must be an integer within 1.." + MAX_PAGE);
        }
        int value = Integer.parseInt(limit);
        if (value < 1 || value > MAX_PAGE) {
            throw ApiException.invalid("limit", "must be within 1.." + MAX_PAGE + ", not " + value);
        }
        return value;
    }

    @Operation(summary = "A job's current state")
    @GetMapping(path = "/v1/jobs/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public JobJson get(ServerWebExchange exchange, @PathVariable("id") String id) {
        return JobJson.of(jobs.get(ApiKey.of(exchange), id));
    }

    @Operation(summary = "Server-Sent Events of a job", description = "The current state on connect, then queued,"
            + " started, progress {step, steps, preview?} and one of completed, failed, cancelled, after which the stream ends.")
    @GetMapping(path = "/v1/jobs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<Object>> events(ServerWebExchange exchange, @PathVariable("id") String id) {
        JobState job = jobs.get(ApiKey.of(exchange), id);
        JobEvents mapper = new JobEvents();
        // The watch completes if the job is removed (a tombstone); the heartbeats stop with it.
        Sinks.Empty<Void> removed = Sinks.empty();
        Flux<ServerSentEvent<Object>> events = view.watch(job.jobId()).doOnComplete(removed::tryEmitEmpty)
                .concatMapIterable(mapper::next);
        Flux<ServerSentEvent<Object>> heartbeats = Flux.interval(HEARTBEAT).takeUntilOther(removed.asMono())
                .map(i -> ServerSentEvent.builder().comment("keep-alive").build());
        return events.mergeWith(heartbeats).takeUntil(JobEvents::terminal);
    }

    @Operation(summary = "Cancel a job (queued or running)", description = "202 once the cancel is on lumen.control;"
            + " the job ends as cancelled when the scheduler or its worker confirms.")
    @DeleteMapping(path = "/v1/jobs/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<JobJson>> cancel(ServerWebExchange exchange, @PathVariable("id") String id) {
        return Mono.defer(() -> jobs.cancel(ApiKey.of(exchange), id))
                .map(job -> ResponseEntity.accepted().location(URI.create(JobJson.self(id))).body(JobJson.of(job)));
    }
}
