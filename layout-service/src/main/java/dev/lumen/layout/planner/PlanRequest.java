package dev.lumen.layout.planner;

import dev.lumen.contracts.layout.LayoutLimits;

/**
 * What to plan: the prompt, the output size in pixels (aspect priors are in pixels, so a person is
 * tall on a wide canvas too) and the most regions the layout may have.
 */
public record PlanRequest(String prompt, int width, int height, int maxRegions) {
    public static final int DEFAULT_SIDE = 512;

    public PlanRequest {
        if (prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("prompt must be a non-blank string");
        }
        if (width < 16 || height < 16 || width > 8192 || height > 8192) {
            throw new IllegalArgumentException("width and height must be within 16..8192, not " + width + "x" + height);
        }
        if (maxRegions < 1 || maxRegions > LayoutLimits.HARD_MAX_REGIONS) {
            throw new IllegalArgumentException("max regions must be within 1.." + LayoutLimits.HARD_MAX_REGIONS
                    + ", not " + maxRegions);
        }
    }

    public PlanRequest(String prompt, int width, int height) {
        this(prompt, width, height, LayoutLimits.DEFAULT_MAX_REGIONS);
    }
}
