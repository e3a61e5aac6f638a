package dev.lumen.engine.sampling;

/**
 * The training noise schedule, β and ᾱ (alphas_cumprod), computed with the same float32 roundings as
 * diffusers 0.31.0 on PyTorch's CPU kernels. Everything downstream (σ, x0 predictions) divides by ᾱ or
 * its square root, and ᾱ at t = 999 is ~4e-5, so its rounding is what sets the schedulers' agreement
 * with the reference.
 */
final class NoiseSchedule {
    /** Floats per AVX2 register: the width of PyTorch's CPU {@code Vectorized<float>}. */
    private static final int TORCH_VECTOR_WIDTH = 8;

    private NoiseSchedule() {
    }

    /** The float32 betas of a schedule, as diffusers builds {@code self.betas}. */
    static float[] betas(NoiseScheduleConfig config) {
        int n = config.numTrainTimesteps();
        return switch (config.betaSchedule()) {
            case LINEAR -> torchLinspace((float) config.betaStart(), (float) config.betaEnd(), n);
            case SCALED_LINEAR -> {
                // torch.linspace(start ** 0.5, end ** 0.5, n, float32) ** 2: the square roots are taken in
                // double (Python floats), the squares in float32 (torch's pow by 2 is x * x).
                float[] roots = torchLinspace((float) Math.sqrt(config.betaStart()),
                        (float) Math.sqrt(config.betaEnd()), n);
                for (int i = 0; i < n; i++) {
                    roots[i] = roots[i] * roots[i];
                }
                yield roots;
            }
            case SQUAREDCOS_CAP_V2 -> cosineBetas(n);
        };
    }

    /**
     * ᾱ_t = Π_{j ≤ t} (1 − β_j). The alphas are rounded to float32 (torch computes {@code 1.0 - betas} in
     * float32); torch's CPU cumprod then multiplies them in a double accumulator (acc_type of float on CPU)
     * and rounds each prefix product to float32, which is what this does. A float32 running product would
     * differ in most entries (by ~5e-7 relative at t = 999).
     */
    static float[] alphasCumprod(float[] betas) {
        float[] out = new float[betas.length];
        double product = 1.0;
        for (int i = 0; i < betas.length; i++) {
            float alpha = 1f - betas[i];
            product *= alpha;
            out[i] = (float) product;
        }
        return out;
    }

    /**
     * torch.linspace(start, end, steps, dtype=float32) as PyTorch 1.13's CPU kernel computes it, bit for bit.
     * Its scalar rule is a float32 step, the first half counted up from {@code start} ({@code start + step·i}),
     * the second half down from {@code end} ({@code end − step·(steps − 1 − i)}). But the kernel is
     * vectorised: it fills blocks of two AVX2 registers, each register from a base computed by that rule at
     * its first index plus {@code k·step} for its k-th lane, and only the tail shorter than two registers
     * element by element. The lanes therefore round differently from the scalar rule (and a register
     * straddling the halfway point keeps counting from its base). With PixArt's 1000 linear betas this moves
     * some betas by an ulp and, among others, ᾱ at t = 624 by one float32 ulp: the scalar rule misses
     * {@code pipeline_dpm8}'s latents from its third step on by ~2.5e-7 relative, this rule matches every
     * pipeline golden bit for bit. (An AVX-512 build would use 16 lanes; the goldens were made with 8.)
     */
    static float[] torchLinspace(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (float) (steps - 1);
        int halfway = steps / 2;
        int i = 0;
        for (; i <= steps - 2 * TORCH_VECTOR_WIDTH; i += TORCH_VECTOR_WIDTH) {
            float base = linspaceScalar(start, end, step, steps, halfway, i);
            out[i] = base;
            for (int lane = 1; lane < TORCH_VECTOR_WIDTH; lane++) {
                out[i + lane] = base + (float) lane * step;
            }
        }
        for (; i < steps; i++) {
            out[i] = linspaceScalar(start, end, step, steps, halfway, i);
        }
        return out;
    }

    private static float linspaceScalar(float start, float end, float step, int steps, int halfway, int i) {
        return i < halfway ? start + step * (float) i : end - step * (float) (steps - i - 1);
    }

    /**
     * diffusers' betas_for_alpha_bar with the cosine transform: computed in double (Python floats), capped at
     * 0.999, then stored as float32. The expression order follows the reference so the doubles agree.
     */
    private static float[] cosineBetas(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            out[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return out;
    }

    private static double cosineAlphaBar(double t) {
        double c = StrictMath.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }
}
