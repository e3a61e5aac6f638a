package dev.lumen.worker;

import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.pipeline.HostTensor;
import java.util.Map;

/**
 * Cheap step previews: an affine map from a latent cell's channels to an RGB colour, applied at
 * latent resolution (one pixel per latent cell, 1/8 of the image side). Running the VAE for a
 * preview would cost as much as a denoising step; this costs a few multiply-adds per cell.
 *
 * <p>The map is not a table of constants for one VAE: it is fitted by least squares at warm-up,
 * from the warm-up run's final latents and the image the VAE decoded from them (each latent cell
 * against the mean colour of the pixel block it decodes to). So it matches whatever VAE the model
 * folder ships, and a model whose latents are not roughly linear in colour just gets blurrier previews.
 */
final class LatentPreview {
    /** Ridge term: keeps the fit solvable on tiny warm-ups (a 32-pixel image has only 16 latent cells). */
    private static final double RIDGE = 1e-3;

    private final int channels;
    /** {@code [3][channels + 1]}: per colour, a weight per latent channel and a bias. */
    private final double[][] weights;

    private LatentPreview(int channels, double[][] weights) {
        this.channels = channels;
        this.weights = weights;
    }

    /**
     * Fits the map from batch item 0 of {@code latents [B, channels, h, w]} and its decoded image
     * {@code [H, W, 3]} in [0, 1], where H and W are multiples of h and w.
     */
    static LatentPreview fit(float[] latents, int channels, int h, int w, HostTensor image) {
        int height = image.shape()[0];
        int width = image.shape()[1];
        int sy = height / h;
        int sx = width / w;
        int k = channels + 1;
        double[][] gram = new double[k][k];
        double[][] rhs = new double[3][k];
        double[] x = new double[k];
        float[] px = image.values();
        for (int cy = 0; cy < h; cy++) {
            for (int cx = 0; cx < w; cx++) {
                for (int c = 0; c < channels; c++) {
                    x[c] = latents[(c * h + cy) * w + cx];
                }
                x[channels] = 1;
                double[] rgb = new double[3];
                for (int y = cy * sy; y < (cy + 1) * sy; y++) {
                    for (int xx = cx * sx; xx < (cx + 1) * sx; xx++) {
                        for (int ch = 0; ch < 3; ch++) {
                            rgb[ch] += px[(y * width + xx) * 3 + ch];
                        }
                    }
                }
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        gram[i][j] += x[i] * x[j];
                    }
                    for (int ch = 0; ch < 3; ch++) {
                        rhs[ch][i] += x[i] * rgb[ch] / (sx * sy);
                    }
                }
            }
        }
        for (int i = 0; i < channels; i++) {
            gram[i][i] += RIDGE * h * w;
        }
        double[][] weights = new double[3][];
        for (int ch = 0; ch < 3; ch++) {
            weights[ch] = solve(gram, rhs[ch]);
        }
        return new LatentPreview(channels, weights);
    }

    /** A PNG of batch item {@code item} of {@code latents [B, channels, h, w]}, one pixel per latent cell. */
    byte[] png(float[] latents, int item, int h, int w) {
        int plane = h * w;
        int base = item * channels * plane;
        float[] rgb = new float[plane * 3];
        for (int p = 0; p < plane; p++) {
            for (int ch = 0; ch < 3; ch++) {
                double v = weights[ch][channels];
                for (int c = 0; c < channels; c++) {
                    v += weights[ch][c] * latents[base + c * plane + p];
                }
                rgb[p * 3 + ch] = (float) v;
            }
        }
        return PngWriter.encode(new HostTensor(rgb, new int[] {h, w, 3}), Map.of());
    }

    /** Gaussian elimination with partial pivoting on a copy of {@code a}; the system is small (channels + 1). */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            double d = m[col][col];
            if (Math.abs(d) < 1e-12) {
                continue; // a degenerate direction (constant channel): its weight stays 0
            }
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = m[r][col] / d;
                    for (int c = col; c <= n; c++) {
                        m[r][c] -= f * m[col][c];
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.abs(m[i][i]) < 1e-12 ? 0 : m[i][n] / m[i][i];
        }
        return out;
    }
}
