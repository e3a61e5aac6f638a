package dev.lumen.contracts.layout;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The regional-attention knobs of {@code layout.md} §3.5, each optional: {@code null} means the
 * engine's default. {@code strength} = 1 − β for both attentions (0 = no regional steering,
 * 1 = regions only); regional steps are those whose scheduler timestep is at least
 * {@code untilT}; {@code selfAttention} restricts self-attention to a token's own region too.
 * Wire names are snake case ({@code until_t}, {@code self_attention}) as in the public layout JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Control(Double strength,
                      @JsonProperty("until_t") Integer untilT,
                      @JsonProperty("self_attention") Boolean selfAttention,
                      Overlap overlap) {
    /** Highest scheduler timestep (PixArt trains on t in 0..999); {@code until_t} above it means no regional step. */
    public static final int MAX_UNTIL_T = 1000;

    /** No knob set: every value is the engine's default. */
    public static final Control DEFAULTS = new Control(null, null, null, null);

    @JsonIgnore
    public boolean isEmpty() {
        return strength == null && untilT == null && selfAttention == null && overlap == null;
    }
}
