package dev.lumen.eval;

import java.util.Arrays;

/**
 * Optimal one-to-one assignment (the Hungarian method with row and column potentials, O(n²·m)):
 * which blob stands for which expected object when a colour repeats, or which blob for which
 * layout box.
 */
final class Assignment {
    private Assignment() {
    }

    /**
     * For a {@code rows × cols} cost matrix, the column given to each row so that the total cost is
     * least; every row gets a column when {@code rows <= cols}, else {@code cols} rows do and the
     * others get -1.
     */
    static int[] minimumCost(double[][] cost) {
        int rows = cost.length;
        if (rows == 0) {
            return new int[0];
        }
        int cols = cost[0].length;
        if (cols == 0) {
            int[] none = new int[rows];
            Arrays.fill(none, -1);
            return none;
        }
        if (rows > cols) {
            double[][] transposed = new double[cols][rows];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    transposed[c][r] = cost[r][c];
                }
            }
            int[] colToRow = minimumCost(transposed);
            int[] rowToCol = new int[rows];
            Arrays.fill(rowToCol, -1);
            for (int c = 0; c < cols; c++) {
                rowToCol[colToRow[c]] = c;
            }
            return rowToCol;
        }
        // Rows and columns are 1-based below; column 0 is the virtual start of each augmenting path.
        double[] u = new double[rows + 1];
        double[] v = new double[cols + 1];
        int[] rowOfCol = new int[cols + 1];
        int[] way = new int[cols + 1];
        for (int r = 1; r <= rows; r++) {
            rowOfCol[0] = r;
            int c0 = 0;
            double[] minv = new double[cols + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[cols + 1];
            do {
                used[c0] = true;
                int r0 = rowOfCol[c0];
                double delta = Double.POSITIVE_INFINITY;
                int c1 = -1;
                for (int c = 1; c <= cols; c++) {
                    if (!used[c]) {
                        double reduced = cost[r0 - 1][c - 1] - u[r0] - v[c];
                        if (reduced < minv[c]) {
                            minv[c] = reduced;
                            way[c] = c0;
                        }
                        if (minv[c] < delta) {
                            delta = minv[c];
                            c1 = c;
                        }
                    }
                }
                for (int c = 0; c <= cols; c++) {
                    if (used[c]) {
                        u[rowOfCol[c]] += delta;
                        v[c] -= delta;
                    } else {
                        minv[c] -= delta;
                    }
                }
                c0 = c1;
            } while (rowOfCol[c0] != 0);
            do {
                int c1 = way[c0];
                rowOfCol[c0] = rowOfCol[c1];
                c0 = c1;
            } while (c0 != 0);
        }
        int[] rowToCol = new int[rows];
        Arrays.fill(rowToCol, -1);
        for (int c = 1; c <= cols; c++) {
            if (rowOfCol[c] != 0) {
                rowToCol[rowOfCol[c] - 1] = c - 1;
            }
        }
        return rowToCol;
    }
}
