package dev.lumen.engine.testing;

import dev.lumen.engine.format.TensorSource;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The pixart-tiny fixture (tiny models in the published layout + goldens from the diffusers reference). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        URL url = Fixtures.class.getResource("/pixart-tiny/model/model_index.json");
        if (url == null) {
            throw new IllegalStateException("pixart-tiny fixture missing from the test classpath");
        }
        try {
            return Path.of(url.toURI()).getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path model() {
        return root().resolve("model");
    }

    public static TensorSource golden(String file) {
        return TensorSource.open(root().resolve("golden").resolve(file));
    }

    /** ‖out − ref‖ / ‖ref‖, the engine's tolerance measure. */
    public static double relativeError(float[] out, float[] ref) {
        if (out.length != ref.length) {
            throw new AssertionError("length " + out.length + " ≠ reference length " + ref.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) out[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        if (den == 0) {
            throw new AssertionError("reference is all zeros: not a meaningful comparison");
        }
        return Math.sqrt(num / den);
    }

    /** Compares with {@link #relativeError} and prints the figure, so test logs record the margins. */
    public static double reportedError(String what, float[] out, float[] ref) {
        double err = relativeError(out, ref);
        System.out.printf("golden %-50s relative error %.2e%n", what, err);
        return err;
    }

    public static int[] ints(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.round(values[i]);
        }
        return out;
    }

    public static int[][] rows(float[] values, int rows) {
        int cols = values.length / rows;
        int[][] out = new int[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = Math.round(values[r * cols + c]);
            }
        }
        return out;
    }
}
