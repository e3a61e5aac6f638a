package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bootstrap interval on data whose sampling distribution is known. */
class MeanIntervalTest {
    private static double[] bernoulli(Random random, int n, double p) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextDouble() < p ? 1 : 0;
        }
        return x;
    }

    @Test
    void widthMatchesTheNormalApproximationForBernoulliData() {
        double[] x = bernoulli(new Random(1), 400, 0.7);
        MeanInterval ci = MeanInterval.of(x);
        double p = ci.mean();
        double halfWidth = 1.96 * Math.sqrt(p * (1 - p) / x.length);
        assertThat(ci.n()).isEqualTo(400);
        assertThat(ci.lo()).isCloseTo(p - halfWidth, within(0.01));
        assertThat(ci.hi()).isCloseTo(p + halfWidth, within(0.01));
    }

    @Test
    void coversTheTrueMeanAboutNinetyFivePercentOfTheTime() {
        Random random = new Random(7);
        int covered = 0;
        int trials = 300;
        for (int t = 0; t < trials; t++) {
            MeanInterval ci = MeanInterval.of(bernoulli(random, 200, 0.3), 1000, t);
            covered += ci.lo() <= 0.3 && 0.3 <= ci.hi() ? 1 : 0;
        }
        // Binomial(300, 0.95) has a standard deviation of 3.8 hits; percentile intervals run a little narrow.
        assertThat(covered).isBetween(270, 296);
    }

    @Test
    void isReproducibleSkipsNaNAndHandlesDegenerateData() {
        double[] x = new Random(3).doubles(50).toArray();
        assertThat(MeanInterval.of(x, 2000, 9)).isEqualTo(MeanInterval.of(x, 2000, 9));
        // Continuous data, so another seed moves the percentiles a little.
        assertThat(MeanInterval.of(x, 2000, 9).lo()).isNotEqualTo(MeanInterval.of(x, 2000, 10).lo());
        MeanInterval withGaps = MeanInterval.of(new double[] {1, Double.NaN, 0, 1, Double.NaN});
        assertThat(withGaps.n()).isEqualTo(3);
        assertThat(withGaps.mean()).isCloseTo(2.0 / 3, within(1e-12));
        MeanInterval constant = MeanInterval.of(new double[] {1, 1, 1});
        assertThat(constant.lo()).isEqualTo(1.0);
        assertThat(constant.hi()).isEqualTo(1.0);
        assertThat(constant.format()).isEqualTo("1.00 [1.00, 1.00]");
        MeanInterval none = MeanInterval.of(new double[] {Double.NaN});
        assertThat(none.n()).isZero();
        assertThat(none.format()).isEqualTo("-");
    }
}
