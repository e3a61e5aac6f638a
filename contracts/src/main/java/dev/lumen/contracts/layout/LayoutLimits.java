package dev.lumen.contracts.layout;

/**
 * The limits a layout is checked against. {@link #DEFAULT} is what the API accepts out of the box
 * (10 regions, as CreatiLayout caps entities, because adherence falls with the number of regions);
 * deployments may raise the region count up to {@link #HARD_MAX_REGIONS}. {@link #HARD} is what
 * the Kafka contract itself enforces, whatever a gateway was configured with. Caption limits are in
 * Unicode code points: about 120 T5 tokens for a region caption (the engine truncates longer
 * token sequences with a warning; the character bound keeps the T5 batch and the messages small).
 *
 * @param maxRegions            at most this many regions, 1..{@value #HARD_MAX_REGIONS}
 * @param maxCaptionChars       global caption length
 * @param maxRegionCaptionChars region and background caption length
 */
public record LayoutLimits(int maxRegions, int maxCaptionChars, int maxRegionCaptionChars) {
    /** No configuration may allow more regions than this. */
    public static final int HARD_MAX_REGIONS = 16;
    public static final int DEFAULT_MAX_REGIONS = 10;
    /** The smallest box side, as a fraction of the image side: 2 tokens on a 64×64 token grid (1024²). */
    public static final double MIN_SIDE = 1.0 / 32;

    public static final LayoutLimits DEFAULT = new LayoutLimits(DEFAULT_MAX_REGIONS, 2000, 400);
    public static final LayoutLimits HARD = new LayoutLimits(HARD_MAX_REGIONS, 100_000, 2000);

    public LayoutLimits {
        if (maxRegions < 1 || maxRegions > HARD_MAX_REGIONS) {
            throw new IllegalArgumentException("max regions must be 1.." + HARD_MAX_REGIONS + ", not " + maxRegions);
        }
        if (maxCaptionChars < 1 || maxRegionCaptionChars < 1) {
            throw new IllegalArgumentException("caption limits must be positive");
        }
    }

    public LayoutLimits withMaxRegions(int regions) {
        return new LayoutLimits(regions, maxCaptionChars, maxRegionCaptionChars);
    }
}
