package dev.lumen.engine.pipeline;

import java.util.Arrays;

/** Float32 values with a shape, on the host: pipeline inputs and outputs. */
public record HostTensor(float[] values, int[] shape) {
    public HostTensor {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got "
                    + values.length);
        }
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
