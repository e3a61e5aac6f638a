package dev.lumen.engine.pipeline;

/**
 * Hears a generation's stages as they finish: text encoding, every denoising step (with the whole
 * batch's latents after it, {@code [B, C, h, w]}) and decoding. Called on the generating thread.
 */
public interface GenerationListener {
    GenerationListener NONE = new GenerationListener() {
    };

    default void onTextEncoded(double tokenizeMs, double textEncoderMs) {
    }

    default void afterStep(int step, int steps, int timestep, float[] latents) {
    }

    default void onDecoded(double vaeMs) {
    }

    /** A listener for steps only. */
    static GenerationListener onSteps(StepCallback callback) {
        return new GenerationListener() {
            @Override
            public void afterStep(int step, int steps, int timestep, float[] latents) {
                callback.afterStep(step, steps, timestep, latents);
            }
        };
    }

    @FunctionalInterface
    interface StepCallback {
        void afterStep(int step, int steps, int timestep, float[] latents);
    }
}
