package dev.lumen.worker;

import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.density.InvalidDensityException;
import dev.lumen.engine.density.DensityReport;
import dev.lumen.engine.density.TokenDensity;
import tools.jackson.databind.JsonNode;

/**
 * Where a job's token density meets the engine (issue 9): the spec's {@code tokenDensity} (read by
 * the contracts' reader, the one the gateway validated it with) becomes the engine's
 * {@link TokenDensity}, and the engine's {@link DensityReport} becomes the contract's
 * {@link TokenDensityReport} that completions, job states and image metadata carry.
 */
final class EngineDensities {
    /** The error code of a token density the worker cannot run (malformed, or not fitting the model). */
    static final String INVALID = "invalid_token_density";

    private EngineDensities() {
    }

    /**
     * The engine's token density for a spec's value; {@link TokenDensity#FULL} for none. A value
     * that does not parse (one written before v1.2, when the field was the engine's opaque object)
     * is an invalid spec.
     */
    static TokenDensity toEngine(JsonNode tokenDensity) {
        try {
            return TokenDensity.fromJson(tokenDensity);
        } catch (InvalidDensityException e) {
            throw new InvalidSpecException(INVALID, e.getMessage());
        }
    }

    /**
     * What ran, for the job's completion and its images' metadata; null when the engine compiled no
     * plan. {@code experimental} is the plan's, decided where the engine compiled it.
     */
    static TokenDensityReport report(JsonNode requested, DensityReport ran) {
        if (ran == null) {
            return null;
        }
        return new TokenDensityReport(requested == null || requested.isNull() ? null : requested, ran.plan().source(),
                ran.plan().describe(), ran.transformerFlops(), ran.denseTransformerFlops(), ran.fraction(),
                ran.plan().experimental());
    }
}
