package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
/** One stored output image: its index in the job, its object key (PNG) and its metadata key (JSON). */
public record ImageRef(@JsonProperty(required = true) int index, @JsonProperty(required = true) String key,
                       @JsonProperty(required = true) String metadataKey,
                       @JsonProperty(required = true) int width, @JsonProperty(required = true) int height) {
}
