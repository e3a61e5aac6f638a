package dev.lumen.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.gateway.layouts.LayoutDocs;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A job as the API shows it: status, progress, image links and the links to follow (Comfy v2's
 * "follow links, don't build URLs"). Built from a {@link JobState}; scheduler bookkeeping and
 * object keys stay inside. {@code engine_ms} is the worker's own time for the task (model work
 * only), so a client can tell queueing and platform overhead from inference time. {@code layout} is
 * the layout the job runs with (the client's, or the one planned for {@code "auto"}), so the boxes
 * used can be seen. The prompt and sampling settings are the job's own (defaults filled in), so a
 * job read back, or listed, says what it draws and can be submitted again as it ran.
 * {@code token_density} is what the client asked for ({@code requested}, in canonical form) and,
 * once the job succeeded, the plan that ran with its transformer FLOPs against the dense model's and
 * whether it is experimental; a
 * job that asked for nothing shows it only when it is done (the dense plan, fraction 1).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobJson(String id, String object, String status, String model, int n, String size, long seed,
                      String prompt, @JsonProperty("negative_prompt") String negativePrompt, int steps,
                      @JsonProperty("guidance_scale") double guidanceScale, String sampler,
                      @JsonProperty("created_at") Instant createdAt, @JsonProperty("updated_at") Instant updatedAt,
                      @Schema(implementation = LayoutDocs.Layout.class) Layout layout, Progress progress, List<Image> images, ErrorInfo error,
                      @JsonProperty("engine_ms") Double engineMs,
                      @JsonProperty("token_density") TokenDensity tokenDensity, Urls urls) {

    /**
     * The token density of a job: {@code requested} as the spec holds it (absent: none asked), and
     * from the worker's report the compiled {@code plan}, its {@code steps} (one line per denoising
     * step), the transformer FLOPs of the whole job, the dense model's FLOPs for the same job, their
     * ratio ({@code fraction}, 1 exactly for the dense model) and whether what ran is
     * {@code experimental}. That is the worker's word on what ran (a fraction's preset is known only
     * once picked), so it is absent before, and for reports of workers older than the flag.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenDensity(@Schema(description = "the token_density asked for, canonical: a preset name, a number"
                                       + " or {\"rules\": [...]}") JsonNode requested,
                               @Schema(example = "preset balanced") String plan,
                               @Schema(example = "[\"t=999: 0-1 dense, 2-27 kv_pool(s=2,avg)\"]") List<String> steps,
                               @JsonProperty("transformer_flops") Long transformerFlops,
                               @JsonProperty("dense_flops") Long denseFlops, Double fraction,
                               @Schema(description = "whether what ran is experimental: the preset that ran (named, or"
                                       + " picked for a number) missed its quality bar on the demo model (see GET"
                                       + " /v1/models, token_density_presets), or a rule uses an op that needs"
                                       + " \"experimental\": true; absent until the job succeeded") Boolean experimental) {

        /** The view of what a job asked for and what ran; null when neither is known. */
        static TokenDensity of(JsonNode requested, TokenDensityReport ran) {
            JsonNode asked = requested == null || requested.isNull() ? null : requested;
            if (ran != null) {
                return new TokenDensity(asked, ran.plan(), ran.steps(), ran.transformerFlops(), ran.denseFlops(),
                        ran.fraction(), ran.experimental());
            }
            return asked == null ? null : new TokenDensity(asked, null, null, null, null, null, null);
        }
    }

    /** Steps done of the total, while running. */
    public record Progress(int step, int steps) {
    }

    /** A page of jobs, OpenAI's list envelope (as {@code GET /v1/models}). */
    public record Page(String object, List<JobJson> data) {
        public static Page of(List<JobState> jobs) {
            return new Page("list", jobs.stream().map(JobJson::of).toList());
        }
    }

    /** One output image and where to fetch it (a redirect to a short-lived presigned URL). */
    public record Image(int index, int width, int height, String url) {
    }

    /** Where to poll, stream and cancel this job. */
    public record Urls(String self, String events, String cancel) {
    }

    public static String self(String jobId) {
        return "/v1/jobs/" + jobId;
    }

    public static JobJson of(JobState s) {
        String self = self(s.jobId());
        Progress progress = s.step() != null && s.steps() != null ? new Progress(s.step(), s.steps()) : null;
        List<Image> images = s.images() == null ? null : s.images().stream()
                .map((ImageRef r) -> new Image(r.index(), r.width(), r.height(), self + "/images/" + r.index())).toList();
        return new JobJson(s.jobId(), "job", s.status().wire(), s.spec().model(), s.spec().n(),
                s.spec().width() + "x" + s.spec().height(), s.spec().seed(), s.spec().prompt(), s.spec().negativePrompt(),
                s.spec().steps(), s.spec().guidanceScale(), s.spec().sampler(), s.createdAt(), s.updatedAt(), s.spec().layout(), progress,
                images, s.error(), s.engineMs(), TokenDensity.of(s.spec().tokenDensity(), s.density()),
                new Urls(self, self + "/events", self));
    }
}
