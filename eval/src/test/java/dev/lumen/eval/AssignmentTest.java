package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Hungarian assignment against exhaustive search on random small matrices. */
class AssignmentTest {
    private static double best(double[][] cost, int row, boolean[] used) {
        if (row == cost.length) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        int cols = cost[0].length;
        int free = 0;
        for (boolean u : used) {
            free += u ? 0 : 1;
        }
        // With more rows than columns, a row may stay unassigned (cost 0) while others remain.
        if (cost.length - row > free) {
            best = best(cost, row + 1, used);
        }
        for (int c = 0; c < cols; c++) {
            if (!used[c]) {
                used[c] = true;
                best = Math.min(best, cost[row][c] + best(cost, row + 1, used));
                used[c] = false;
            }
        }
        return best;
    }

    @Test
    void findsTheLeastTotalCost() {
        Random random = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + random.nextInt(5);
            int cols = 1 + random.nextInt(5);
            double[][] cost = new double[rows][cols];
            for (double[] row : cost) {
                for (int c = 0; c < cols; c++) {
                    row[c] = random.nextInt(5) - random.nextDouble();
                }
            }
            int[] assignment = Assignment.minimumCost(cost);
            double total = 0;
            boolean[] taken = new boolean[cols];
            int assigned = 0;
            for (int r = 0; r < rows; r++) {
                if (assignment[r] >= 0) {
                    assertThat(taken[assignment[r]]).isFalse();
                    taken[assignment[r]] = true;
                    total += cost[r][assignment[r]];
                    assigned++;
                }
            }
            assertThat(assigned).isEqualTo(Math.min(rows, cols));
            assertThat(total).isCloseTo(best(cost, 0, new boolean[cols]), org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void noColumnsLeavesEveryRowUnassigned() {
        assertThat(Assignment.minimumCost(new double[2][0])).containsExactly(-1, -1);
        assertThat(Assignment.minimumCost(new double[0][0])).isEmpty();
    }
}
