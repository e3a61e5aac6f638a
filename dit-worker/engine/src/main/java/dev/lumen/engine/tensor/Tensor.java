package dev.lumen.engine.tensor;

import java.util.Arrays;

/**
 * A tensor owned by a backend (host memory for the CPU backend, device memory for Vulkan). Model
 * code only passes tensors between operations of the {@link dev.lumen.engine.ops.Ops} that made
 * them; it reads values back through {@code Ops.toHost}. Shapes are row-major, last dimension
 * contiguous.
 */
public interface Tensor extends AutoCloseable {

    int[] shape();

    default int rank() {
        return shape().length;
    }

    default int dim(int i) {
        int[] s = shape();
        return s[i < 0 ? s.length + i : i];
    }

    default long size() {
        return Shapes.size(shape());
    }

    /** Releases backend memory early; tensors that are never closed are reclaimed with their backend scope. */
    @Override
    default void close() {
    }

    static String describe(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
