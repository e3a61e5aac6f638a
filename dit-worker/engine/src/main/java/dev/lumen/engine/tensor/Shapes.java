package dev.lumen.engine.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the backends. */
public final class Shapes {
    private Shapes() {
    }

    public static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public static int intSize(int[] shape) {
        return Math.toIntExact(size(shape));
    }

    /** Product of all dimensions but the last: the number of rows of a [..., D] tensor. */
    public static int rows(int[] shape) {
        return Math.toIntExact(size(shape) / shape[shape.length - 1]);
    }

    public static int last(int[] shape) {
        return shape[shape.length - 1];
    }

    public static int[] withLast(int[] shape, int last) {
        int[] s = shape.clone();
        s[s.length - 1] = last;
        return s;
    }

    public static void requireSameShape(String op, int[] a, int[] b) {
        if (!Arrays.equals(a, b)) {
            throw new IllegalArgumentException(op + ": shapes differ " + Arrays.toString(a) + " vs " + Arrays.toString(b));
        }
    }

    /** NumPy broadcasting of two shapes (aligned at the last dimension). */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = Math.max(da, db);
        }
        return out;
    }
}
