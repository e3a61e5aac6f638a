package dev.lumen.engine.pipeline;

import dev.lumen.engine.format.TensorSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Explicit values that replace what the pipeline would otherwise compute or draw, named as in the
 * reference dumps: {@code latents_init}, {@code noise_step{i}}, {@code prompt_embeds},
 * {@code prompt_attention_mask}, {@code negative_prompt_embeds},
 * {@code negative_prompt_attention_mask}, and for a layout {@code region_embeds_{r}} (the T5 output
 * of region r's caption, real tokens only, r = 0 the background). They make a run comparable with
 * the reference exactly (the reference's random generator is not reproduced).
 */
public final class PipelineInputs {
    public static final PipelineInputs NONE = new PipelineInputs(Map.of());

    private static final Set<String> FIXED = Set.of("latents_init", "prompt_embeds", "prompt_attention_mask",
            "negative_prompt_embeds", "negative_prompt_attention_mask");

    private final Map<String, HostTensor> tensors;

    public PipelineInputs(Map<String, HostTensor> tensors) {
        this.tensors = Map.copyOf(tensors);
    }

    /** Reads the known names from a safetensors file; other tensors in it are ignored. */
    public static PipelineInputs read(TensorSource source) {
        Map<String, HostTensor> found = new LinkedHashMap<>();
        for (String name : source.names()) {
            if (isInput(name)) {
                found.put(name, new HostTensor(source.floats(name), source.info(name).intShape()));
            }
        }
        return new PipelineInputs(found);
    }

    public static boolean isInput(String name) {
        return FIXED.contains(name) || name.matches("noise_step\\d+") || name.matches("region_embeds_\\d+");
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public Optional<HostTensor> get(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public Optional<HostTensor> latentsInit() {
        return get("latents_init");
    }

    public Optional<HostTensor> noise(int step) {
        return get("noise_step" + step);
    }

    /** The tensor, which must have the given shape; a mismatch names the input and both shapes. */
    public static float[] requireShape(String name, HostTensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("input " + name + " has shape " + Arrays.toString(t.shape())
                    + ", this run needs " + Arrays.toString(shape));
        }
        return t.values();
    }
}
