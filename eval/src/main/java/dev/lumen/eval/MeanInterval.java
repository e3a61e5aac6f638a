package dev.lumen.eval;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A sample mean with its 95% percentile-bootstrap confidence interval. With no samples every
 * field is NaN and {@code n} is 0.
 */
public record MeanInterval(int n, double mean, double lo, double hi) {
    public static final int DEFAULT_RESAMPLES = 2000;
    public static final long DEFAULT_SEED = 0;

    /** Mean and interval of the finite values (NaN marks "not applicable" and is skipped). */
    public static MeanInterval of(double[] values) {
        return of(values, DEFAULT_RESAMPLES, DEFAULT_SEED);
    }

    /**
     * Mean and 2.5/97.5 percentiles of the means of {@code resamples} resamples drawn with
     * replacement; the same values, resamples and seed give the same interval.
     */
    public static MeanInterval of(double[] values, int resamples, long seed) {
        double[] x = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
        int n = x.length;
        if (n == 0) {
            return new MeanInterval(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = Arrays.stream(x).sum() / n;
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x[random.nextInt(n)];
            }
            means[r] = sum / n;
        }
        Arrays.sort(means);
        return new MeanInterval(n, mean, percentile(means, 0.025), percentile(means, 0.975));
    }

    // Linear interpolation between order statistics.
    private static double percentile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int i = (int) Math.floor(at);
        int j = Math.min(sorted.length - 1, i + 1);
        return sorted[i] + (at - i) * (sorted[j] - sorted[i]);
    }

    /** "0.95 [0.90, 0.99]", or "-" with no samples. */
    public String format() {
        return n == 0 ? "-" : String.format(Locale.ROOT, "%.2f [%.2f, %.2f]", mean, lo, hi);
    }
}
