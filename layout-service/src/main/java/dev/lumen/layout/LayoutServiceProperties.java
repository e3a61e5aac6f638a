package dev.lumen.layout;

import dev.lumen.contracts.layout.LayoutLimits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * layout-service's settings under {@code lumen.layout.*}, validated at start.
 *
 * @param maxRegions            the most regions a layout may have, and the default of a plan request's {@code max_regions}
 * @param maxPromptChars        prompt and global caption length, in characters
 * @param maxRegionCaptionChars region and background caption length
 * @param defaultSide           width and height of a plan request that gives none
 * @param maxBodyBytes          request bodies past this answer 413
 */
@Validated
@ConfigurationProperties("lumen.layout")
public record LayoutServiceProperties(@Min(1) @Max(LayoutLimits.HARD_MAX_REGIONS) @DefaultValue("10") int maxRegions,
                                      @Min(1) @Max(100_000) @DefaultValue("2000") int maxPromptChars,
                                      @Min(1) @Max(2000) @DefaultValue("400") int maxRegionCaptionChars,
                                      @Min(16) @Max(8192) @DefaultValue("512") int defaultSide,
                                      @Min(1024) @Max(16 * 1024 * 1024) @DefaultValue("65536") int maxBodyBytes) {

    public LayoutLimits limits() {
        return new LayoutLimits(maxRegions, maxPromptChars, maxRegionCaptionChars);
    }
}
