package dev.lumen.engine.pipeline;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Lumen's deterministic noise: one {@code L64X128MixRandom} generator (the JDK's LXM algorithm,
 * specified bit for bit by the JDK) per image, seeded with {@code seed + index in batch}, drawing
 * standard normals with {@link RandomGenerator#nextGaussian()}. Image {@code i} of a batch thus
 * equals a single-image run with seed {@code seed + i}. Each generator first draws the initial
 * latents (row-major), then, for samplers that inject noise (LCM), each step's noise in order.
 * It is not PyTorch's generator: to reproduce a diffusers run exactly, pass its latents and noise
 * as explicit inputs.
 */
public final class SeededNoise {
    private final RandomGenerator[] generators;

    public SeededNoise(long seed, int batch) {
        RandomGeneratorFactory<RandomGenerator> factory = RandomGeneratorFactory.of("L64X128MixRandom");
        generators = new RandomGenerator[batch];
        for (int i = 0; i < batch; i++) {
            generators[i] = factory.create(seed + i);
        }
    }

    /** {@code batch × perItem} standard normal values, item by item. */
    public float[] next(int perItem) {
        float[] out = new float[generators.length * perItem];
        for (int b = 0; b < generators.length; b++) {
            for (int i = 0; i < perItem; i++) {
                out[b * perItem + i] = (float) generators[b].nextGaussian();
            }
        }
        return out;
    }
}
