package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * What token density a job ran with (since {@code lumen.worker-event/v1.1} and
 * {@code lumen.job-state/v1.2}, and in image metadata v1.2): the {@code requested} value as it
 * stood in the spec (null: none asked, the dense model), the compiled {@code plan}'s source (e.g.
 * {@code preset balanced}, {@code fraction 0.800 → preset high}), its {@code steps}, one line per
 * denoising step ({@code t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)}), the transformer FLOPs the
 * engine executed for the whole job, the FLOPs the dense model would have executed for the same
 * job, and their ratio. {@code fraction} is 1 exactly for the dense model.
 *
 * <p>{@code experimental} (since worker-event v1.2, job-state v1.3 and image metadata v1.3) says
 * whether what ran is experimental: the preset that ran (named, or picked for a fraction) is
 * {@link dev.lumen.contracts.density.DensityPresetName#experimental() experimental}, or a rule uses
 * an op that needs {@code "experimental": true}. The worker sets it where it compiles the plan;
 * null in reports written before it existed (unknown, not "no").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenDensityReport(JsonNode requested, @JsonProperty(required = true) String plan,
                                 @JsonProperty(required = true) List<String> steps,
                                 @JsonProperty(required = true) long transformerFlops,
                                 @JsonProperty(required = true) long denseFlops,
                                 @JsonProperty(required = true) double fraction,
                                 Boolean experimental) {
    public TokenDensityReport {
        steps = steps == null ? null : List.copyOf(steps);
    }
}
