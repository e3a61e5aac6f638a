package dev.lumen.contracts;

/** One stored output image: its index in the job, its object key (PNG) and its metadata key (JSON). */
public record ImageRef(int index, String key, String metadataKey, int width, int height) {
}
