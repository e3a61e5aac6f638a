package dev.lumen.gateway.images;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.auth.ApiKey;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.errors.ProblemType;
import dev.lumen.gateway.jobs.GenerationRequest;
import dev.lumen.gateway.jobs.JobJson;
import dev.lumen.gateway.jobs.JobService;
import dev.lumen.gateway.jobs.JobView;
import dev.lumen.gateway.jobs.RequestBodies;
import dev.lumen.gateway.jobs.RequestParser;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code POST /v1/images/generations}, compatible with the OpenAI Images API: submits a job like
 * {@code POST /v1/jobs} and holds the request until the job ends, up to {@code sync-wait}; then it
 * answers as OpenAI does ({@code created}, {@code data[]} of {@code url} or {@code b64_json}).
 * Past the bound it answers 202 with the job (and its Location) rather than hang, so a slow queue
 * never turns into client timeouts. OpenAI's SDK retries without an idempotency key; clients that
 * send {@code Idempotency-Key} get the same job back on retry.
 */
@RestController
public class OpenAiImagesController {
    private static final Logger log = LoggerFactory.getLogger(OpenAiImagesController.class);

    private final JobService jobs;
    private final JobView view;
    private final RequestParser parser;
    private final ImageStore images;
    private final Duration syncWait;
    private final int maxBodyBytes;

    public OpenAiImagesController(JobService jobs, JobView view, RequestParser parser, ImageStore images,
                                  GatewayProperties properties) {
        this.jobs = jobs;
        this.view = view;
        this.parser = parser;
        this.images = images;
        this.syncWait = properties.syncWait();
        this.maxBodyBytes = properties.limits().maxBodyBytes();
    }

    /** The OpenAI response body. */
    public record ImagesResponse(long created, List<Datum> data, @JsonProperty("job_id") String jobId) {
    }

    /** One image: a URL or base64 PNG, as asked by {@code response_format}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Datum(String url, @JsonProperty("b64_json") String b64Json) {
    }

    @Operation(summary = "Generate images (OpenAI Images API compatible)", description = "Fields model, prompt, n, size,"
            + " response_format (url|b64_json), user, plus the Lumen fields of POST /v1/jobs. Waits up to the configured"
            + " bound; past it answers 202 with the job.")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = GenerationRequest.class)))
    @PostMapping(path = "/v1/images/generations", produces = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<Object>> generate(ServerWebExchange exchange,
                                                 @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        ApiKey key = ApiKey.of(exchange);
        return Mono.defer(() -> {
            jobs.checkRate(key);
            String idem = JobService.checkIdempotencyKey(idempotencyKey);
            return RequestBodies.json(exchange.getRequest(), maxBodyBytes)
                    .map(parser::parseImages)
                    .flatMap(request -> jobs.submit(key, request.generation(), idem, "openai", jobs.remoteParent(exchange))
                            .flatMap(s -> awaitResult(s.job(), request.responseFormat())));
        });
    }

    private Mono<ResponseEntity<Object>> awaitResult(JobState submitted, String format) {
        String jobId = submitted.jobId();
        return view.watch(jobId)
                .filter(s -> s.status().terminal())
                .next()
                .timeout(syncWait, Mono.empty())
                .flatMap(done -> answer(done, format))
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    JobState now = view.get(jobId).orElse(submitted);
                    try (dev.lumen.observability.LogContext l = dev.lumen.observability.LogContext.job(jobId)) {
                        log.atInfo().addKeyValue("jobId", jobId).addKeyValue("status", now.status().wire())
                                .log("sync wait elapsed; answering 202");
                    }
                    return ResponseEntity.accepted().location(URI.create(JobJson.self(jobId))).body(JobJson.of(now));
                }));
    }

    private Mono<ResponseEntity<Object>> answer(JobState job, String format) {
        switch (job.status()) {
            case SUCCEEDED -> {
                List<ImageRef> refs = job.images() == null ? List.of()
                        : job.images().stream().sorted(Comparator.comparingInt(ImageRef::index)).toList();
                return Flux.fromIterable(refs)
                        .concatMap(ref -> format.equals("b64_json")
                                ? images.base64(ref).map(b64 -> new Datum(null, b64))
                                : images.longUrl(ref).map(url -> new Datum(url.toString(), null)))
                        .collectList()
                        .map(data -> ResponseEntity.ok().<Object>body(
                                new ImagesResponse(job.createdAt().getEpochSecond(), data, job.jobId())));
            }
            case CANCELLED -> {
                return Mono.error(new ApiException(ProblemType.JOB_CANCELLED, "job " + job.jobId() + " was cancelled",
                        Map.of("job_id", job.jobId()), null));
            }
            default -> {
                String reason = job.error() != null ? job.error().code() + ": " + job.error().message() : job.status().wire();
                return Mono.error(new ApiException(ProblemType.GENERATION_FAILED, "job " + job.jobId() + " ended "
                        + job.status().wire() + " (" + reason + ")", Map.of("job_id", job.jobId()), null));
            }
        }
    }
}
