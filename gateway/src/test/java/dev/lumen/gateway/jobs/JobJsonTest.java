package dev.lumen.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.TokenDensityReport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job view shows the worker's engine time as {@code engine_ms} and the token density as
 * {@code token_density}, each only when there is one; it carries the job's prompt and sampling
 * settings under the request's own names.
 */
class JobJsonTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final GenerationSpec SPEC =
            new GenerationSpec("pixart-512", "a cat", null, 1, 512, 512, 20, 4.5, "dpm-solver", 7, 0, null, null);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static JsonNode view(JobStatus status, List<ImageRef> images, Double engineMs) {
        JobState state = new JobState(JobState.SCHEMA, "job-1", "acme", status, SPEC, T0, T0.plusSeconds(2), 1,
                null, null, null, images, null, engineMs);
        return JSON.readTree(JSON.writeValueAsString(JobJson.of(state)));
    }

    @Test
    void aFinishedJobReportsItsEngineTime() {
        JsonNode json = view(JobStatus.SUCCEEDED, List.of(), 1234.5);

        assertThat(json.get("engine_ms").asDouble()).isEqualTo(1234.5);
        assertThat(json.has("engineMs")).isFalse();
    }

    static JsonNode view(GenerationSpec spec, JobStatus status, TokenDensityReport density) {
        JobState state = new JobState(JobState.SCHEMA, "job-1", "acme", status, spec, T0, T0.plusSeconds(2), 1,
                null, null, null, List.of(), null, 10.0, density);
        return JSON.readTree(JSON.writeValueAsString(JobJson.of(state)));
    }

    @Test
    void theTokenDensityShowsWhatWasAskedAndOnceDoneWhatRan() {
        JsonNode asked = JSON.readTree("{\"rules\":[{\"op\":\"kv_pool\",\"blocks\":\"14-27\",\"s\":2,\"mode\":\"avg\"}]}");
        GenerationSpec spec = new GenerationSpec("pixart-512", "a cat", null, 1, 512, 512, 4, 1.0, "lcm", 7, 0, null, asked);
        JsonNode queued = view(spec, JobStatus.QUEUED, null).get("token_density");
        assertThat(queued.get("requested")).isEqualTo(asked);
        assertThat(queued.has("plan")).isFalse();
        assertThat(queued.has("fraction")).isFalse();

        TokenDensityReport ran = new TokenDensityReport(asked, "1 rule", List.of("t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)"),
                8_400_000_000_000L, 10_000_000_000_000L, 0.84, false);
        JsonNode done = view(spec, JobStatus.SUCCEEDED, ran).get("token_density");
        assertThat(done.get("requested")).isEqualTo(asked);
        assertThat(done.get("plan").asString()).isEqualTo("1 rule");
        assertThat(done.get("steps").get(0).asString()).isEqualTo("t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)");
        assertThat(done.get("transformer_flops").asLong()).isEqualTo(8_400_000_000_000L);
        assertThat(done.get("dense_flops").asLong()).isEqualTo(10_000_000_000_000L);
        assertThat(done.get("fraction").asDouble()).isEqualTo(0.84);
        assertThat(done.get("experimental").asBoolean()).isFalse();
        assertThat(queued.has("experimental")).as("not known before it ran").isFalse();
        assertThat(done.has("transformerFlops")).isFalse();

        // Nothing asked: nothing shown until the job is done, then the dense plan without "requested".
        assertThat(view(SPEC, JobStatus.QUEUED, null).has("token_density")).isFalse();
        JsonNode dense = view(SPEC, JobStatus.SUCCEEDED, new TokenDensityReport(null, "preset full",
                List.of("t=999: 0-27 dense"), 10L, 10L, 1.0, false)).get("token_density");
        assertThat(dense.has("requested")).isFalse();
        assertThat(dense.get("fraction").asDouble()).isEqualTo(1.0);
    }

    @Test
    void theTokenDensityShowsWhetherWhatRanIsExperimentalAndNothingForOlderReports() {
        JsonNode asked = JSON.readTree("0.85");
        GenerationSpec spec = new GenerationSpec("pixart-512", "a cat", null, 1, 512, 512, 4, 1.0, "lcm", 7, 0, null, asked);
        TokenDensityReport picked = new TokenDensityReport(asked, "fraction 0.850 → preset high",
                List.of("t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)"), 84L, 100L, 0.84, true);
        assertThat(view(spec, JobStatus.SUCCEEDED, picked).get("token_density").get("experimental").asBoolean()).isTrue();
        // A report from a worker before the flag: unknown, so not shown (rather than a false "no").
        TokenDensityReport old = new TokenDensityReport(asked, "fraction 0.850 → preset high",
                List.of("t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)"), 84L, 100L, 0.84, null);
        JsonNode shown = view(spec, JobStatus.SUCCEEDED, old).get("token_density");
        assertThat(shown.has("experimental")).isFalse();
        assertThat(shown.get("plan").asString()).isEqualTo("fraction 0.850 → preset high");
    }

    @Test
    void aQueuedJobHasNoEngineTime() {
        assertThat(view(JobStatus.QUEUED, null, null).has("engine_ms")).isFalse();
    }

    @Test
    void aJobShowsItsPromptAndSettingsUnderTheRequestsNames() {
        GenerationSpec spec = new GenerationSpec("pixart-512", "a cat on a mat", "blurry", 2, 512, 256, 12, 3.5, "lcm", 99, 0,
                null, null);
        JobState state = new JobState(JobState.SCHEMA, "job-2", "acme", JobStatus.QUEUED, spec, T0, T0, 1,
                null, null, null, null, null, null);
        JsonNode json = JSON.readTree(JSON.writeValueAsString(JobJson.of(state)));

        assertThat(json.get("prompt").asString()).isEqualTo("a cat on a mat");
        assertThat(json.get("negative_prompt").asString()).isEqualTo("blurry");
        assertThat(json.get("steps").asInt()).isEqualTo(12);
        assertThat(json.get("guidance_scale").asDouble()).isEqualTo(3.5);
        assertThat(json.get("sampler").asString()).isEqualTo("lcm");
        assertThat(json.get("size").asString()).isEqualTo("512x256");
        assertThat(json.get("seed").asLong()).isEqualTo(99);
        assertThat(json.get("n").asInt()).isEqualTo(2);
        assertThat(json.has("negativePrompt")).isFalse();
        // No negative prompt: the field is left out, not null.
        assertThat(view(JobStatus.QUEUED, null, null).has("negative_prompt")).isFalse();
    }
}
