package dev.lumen.engine.model.pixart;

/**
 * The fixed (non-learned) embeddings of PixArt, computed on the host with the same float32 /
 * float64 mix as diffusers so that the model sees the same bits.
 */
public final class Embeddings {
    private Embeddings() {
    }

    /**
     * diffusers' {@code get_timestep_embedding} with {@code flip_sin_to_cos=True},
     * {@code downscale_freq_shift=0}: {@code [cos(v·f), sin(v·f)]}, {@code f_k = exp(−ln(10⁴)·k/half)},
     * in float32 like the reference.
     */
    public static float[] sinusoidal(float[] values, int dim) {
        int half = dim / 2;
        float[] freqs = new float[half];
        float logMax = (float) -Math.log(10000.0);
        for (int k = 0; k < half; k++) {
            float exponent = (logMax * k) / half;
            freqs[k] = (float) Math.exp(exponent);
        }
        float[] out = new float[values.length * dim];
        for (int i = 0; i < values.length; i++) {
            for (int k = 0; k < half; k++) {
                float arg = values[i] * freqs[k];
                out[i * dim + k] = (float) Math.cos(arg);
                out[i * dim + half + k] = (float) Math.sin(arg);
            }
        }
        return out;
    }

    /**
     * The 2-D sin-cos position table {@code [h·w, dim]} of {@code PatchEmbed}: coordinates divided
     * by the grid's ratio to {@code baseSize} and by the interpolation scale (in float32), then
     * sin/cos in float64; the first half of the channels encodes the column, the second the row.
     */
    public static float[] positions2d(int dim, int h, int w, int baseSize, double interpolationScale) {
        int quarter = dim / 4;
        double[] omega = new double[quarter];
        for (int k = 0; k < quarter; k++) {
            omega[k] = 1.0 / Math.pow(10000.0, k / (dim / 4.0) );
        }
        float[] rows = coordinates(h, baseSize, interpolationScale);
        float[] cols = coordinates(w, baseSize, interpolationScale);
        float[] out = new float[h * w * dim];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int at = (i * w + j) * dim;
                for (int k = 0; k < quarter; k++) {
                    double x = cols[j] * omega[k];
                    double y = rows[i] * omega[k];
                    out[at + k] = (float) Math.sin(x);
                    out[at + quarter + k] = (float) Math.cos(x);
                    out[at + 2 * quarter + k] = (float) Math.sin(y);
                    out[at + 3 * quarter + k] = (float) Math.cos(y);
                }
            }
        }
        return out;
    }

    private static float[] coordinates(int n, int baseSize, double interpolationScale) {
        float ratio = (float) ((double) n / baseSize);
        float scale = (float) interpolationScale;
        float[] c = new float[n];
        for (int i = 0; i < n; i++) {
            c[i] = ((float) i / ratio) / scale;
        }
        return c;
    }
}
