package dev.lumen.standalone;

import dev.lumen.engine.pipeline.HostTensor;

/**
 * Paired image fidelity for {@code lumen bench density} (research note token-density.md §4.2), on
 * the 8-bit sRGB images a user receives ({@code rint(x·255)} of the float [H, W, 3] image, as
 * {@link dev.lumen.engine.image.PngWriter} writes them):
 * <ul>
 *   <li>PSNR = 10·log10(255² / MSE) over all pixels and channels (∞ for identical images);</li>
 *   <li>SSIM (Wang et al. 2004) on BT.601 luma: 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03,
 *       L = 255, mean over the window positions inside the image;</li>
 *   <li>high-frequency retention: the energy of the luma Laplacian (4-neighbour, interior pixels)
 *       of the image over that of the reference. PSNR rewards blur; this ratio falls below 1 when
 *       detail is lost.</li>
 * </ul>
 */
final class ImageMetrics {
    private static final int WINDOW = 11;
    private static final double SIGMA = 1.5;
    private static final double C1 = Math.pow(0.01 * 255, 2);
    private static final double C2 = Math.pow(0.03 * 255, 2);

    private ImageMetrics() {
    }

    static double psnr(HostTensor image, HostTensor reference) {
        int[] a = bytes(image);
        int[] b = bytes(reference);
        requireSameShape(image, reference);
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            se += d * d;
        }
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (se / a.length));
    }

    static double ssim(HostTensor image, HostTensor reference) {
        requireSameShape(image, reference);
        int h = image.shape()[0];
        int w = image.shape()[1];
        if (h < WINDOW || w < WINDOW) {
            throw new IllegalArgumentException("SSIM needs images of at least " + WINDOW + "×" + WINDOW + " pixels, got "
                    + h + "×" + w);
        }
        double[] x = luma(image);
        double[] y = luma(reference);
        double[] g = new double[WINDOW];
        double sum = 0;
        for (int i = 0; i < WINDOW; i++) {
            double d = i - WINDOW / 2;
            g[i] = Math.exp(-d * d / (2 * SIGMA * SIGMA));
            sum += g[i];
        }
        for (int i = 0; i < WINDOW; i++) {
            g[i] /= sum;
        }
        double total = 0;
        int positions = 0;
        for (int r = 0; r + WINDOW <= h; r++) {
            for (int c = 0; c + WINDOW <= w; c++) {
                double mx = 0;
                double my = 0;
                double xx = 0;
                double yy = 0;
                double xy = 0;
                for (int i = 0; i < WINDOW; i++) {
                    for (int j = 0; j < WINDOW; j++) {
                        double wt = g[i] * g[j];
                        double a = x[(r + i) * w + c + j];
                        double b = y[(r + i) * w + c + j];
                        mx += wt * a;
                        my += wt * b;
                        xx += wt * a * a;
                        yy += wt * b * b;
                        xy += wt * a * b;
                    }
                }
                double vx = xx - mx * mx;
                double vy = yy - my * my;
                double cov = xy - mx * my;
                total += ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
                positions++;
            }
        }
        return total / positions;
    }

    static double highFrequencyRatio(HostTensor image, HostTensor reference) {
        requireSameShape(image, reference);
        double ref = laplacianEnergy(reference);
        return ref == 0 ? Double.NaN : laplacianEnergy(image) / ref;
    }

    private static double laplacianEnergy(HostTensor image) {
        int h = image.shape()[0];
        int w = image.shape()[1];
        double[] y = luma(image);
        double e = 0;
        for (int r = 1; r < h - 1; r++) {
            for (int c = 1; c < w - 1; c++) {
                double l = 4 * y[r * w + c] - y[(r - 1) * w + c] - y[(r + 1) * w + c] - y[r * w + c - 1] - y[r * w + c + 1];
                e += l * l;
            }
        }
        return e;
    }

    private static int[] bytes(HostTensor image) {
        float[] v = image.values();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) Math.rint(Math.min(1f, Math.max(0f, v[i])) * 255f);
        }
        return out;
    }

    private static double[] luma(HostTensor image) {
        int[] b = bytes(image);
        double[] y = new double[b.length / 3];
        for (int p = 0; p < y.length; p++) {
            y[p] = 0.299 * b[3 * p] + 0.587 * b[3 * p + 1] + 0.114 * b[3 * p + 2];
        }
        return y;
    }

    private static void requireSameShape(HostTensor a, HostTensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape()) || a.shape().length != 3 || a.shape()[2] != 3) {
            throw new IllegalArgumentException("images " + java.util.Arrays.toString(a.shape()) + " and "
                    + java.util.Arrays.toString(b.shape()) + " are not the same [H, W, 3]");
        }
    }
}
