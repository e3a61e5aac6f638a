package dev.lumen.storage.images;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * How one image was made, stored beside it as {@code <index>.json} and, in part, inside the PNG as
 * text chunks ({@link #pngText()}), so the image still says where it came from after it leaves the
 * store. {@code seed} is the seed this image was sampled with (a job of {@code n} images may use one
 * seed per image). {@code layout} is the layout prompt the image was made with (v1.1; absent for a
 * plain prompt), in its public JSON form. {@code tokenDensity} (v1.2) is the token density the
 * image was made with: the value requested (if any), the plan that ran and its transformer FLOPs
 * against the dense model's; v1.3 adds the report's {@code experimental} flag (absent in older
 * documents). JSON uses the message codec's mapper: ISO-8601 instants, absent fields left out.
 * Readers accept v1 to v1.3.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageMetadata(String schema, String jobId, String tenant, int index, String model, String prompt,
                            String negativePrompt, long seed, String sampler, int steps, double guidanceScale,
                            int width, int height, Layout layout, TokenDensityReport tokenDensity, Instant createdAt,
                            Timings timings) {
    public static final String SCHEMA = "lumen.image-metadata/v1.3";
    /**
     * The versions before the density report's {@code experimental} flag (v1.2), before token density
     * (v1.1) and before layouts (v1); their documents read as v1.3 without them.
     */
    static final java.util.Set<String> OLDER = java.util.Set.of("lumen.image-metadata/v1", "lumen.image-metadata/v1.1",
            "lumen.image-metadata/v1.2");
    /** The PNG text keyword of the software entry; the other keywords are the JSON field names. */
    public static final String SOFTWARE = "Software";

    /** Where the time went, in milliseconds; null for what was not measured. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Timings(Double queueMs, Double engineMs, Double uploadMs) {
    }

    /** The metadata of image {@code index} of a job, sampled with {@code seed}, with no token-density report. */
    public static ImageMetadata of(ImageKeys keys, GenerationSpec spec, long seed, Instant createdAt, Timings timings) {
        return of(keys, spec, seed, createdAt, timings, null);
    }

    /** The metadata of image {@code index} of a job, sampled with {@code seed}, made at {@code tokenDensity}. */
    public static ImageMetadata of(ImageKeys keys, GenerationSpec spec, long seed, Instant createdAt, Timings timings,
                                   TokenDensityReport tokenDensity) {
        return new ImageMetadata(SCHEMA, keys.jobId(), keys.tenant(), keys.index(), spec.model(), spec.prompt(),
                spec.negativePrompt(), seed, spec.sampler(), spec.steps(), spec.guidanceScale(), spec.width(),
                spec.height(), spec.layout(), tokenDensity, createdAt, timings);
    }

    /** The {@code .json} object's bytes (UTF-8). */
    public byte[] toJson() {
        return Messages.json().writeValueAsBytes(this);
    }

    /**
     * Reads a {@code .json} object written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException if the bytes are not image metadata of this version
     */
    public static ImageMetadata fromJson(byte[] json) {
        try {
            JsonNode tree = Messages.json().readTree(json);
            // Check the version before binding, so a newer document is named as such, not as a missing field.
            JsonNode schema = tree == null ? null : tree.get("schema");
            if (schema == null || !(SCHEMA.equals(schema.asString()) || OLDER.contains(schema.asString()))) {
                throw new IllegalArgumentException("image metadata schema is " + schema + ", expected \"" + SCHEMA
                        + "\" or an older version (" + String.join(", ", new java.util.TreeSet<>(OLDER)) + ")");
            }
            ((tools.jackson.databind.node.ObjectNode) tree).put("schema", SCHEMA);
            return Messages.json().treeToValue(tree, ImageMetadata.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not image metadata: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The PNG text entries: prompt, negative prompt, seed, model, sampler, steps, guidance scale,
     * job id, layout and token density (compact JSON, when there is one) under their JSON names,
     * plus {@code Software}. Insert them with {@link PngText#write}.
     */
    public Map<String, String> pngText() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", prompt);
        if (negativePrompt != null) {
            text.put("negativePrompt", negativePrompt);
        }
        text.put("seed", Long.toString(seed));
        text.put("model", model);
        text.put("sampler", sampler);
        text.put("steps", Integer.toString(steps));
        text.put("guidanceScale", Double.toString(guidanceScale));
        text.put("jobId", jobId);
        if (layout != null) {
            text.put("layout", LayoutJson.toJson(layout));
        }
        if (tokenDensity != null) {
            text.put("tokenDensity", Messages.json().writeValueAsString(tokenDensity));
        }
        text.put(SOFTWARE, "Lumen");
        return text;
    }
}
