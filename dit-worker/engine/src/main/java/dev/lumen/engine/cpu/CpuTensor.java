package dev.lumen.engine.cpu;

import dev.lumen.engine.tensor.Shapes;
import dev.lumen.engine.tensor.Tensor;
import java.util.Arrays;

/** A float32 tensor in a Java array: the CPU backend's activations and small (widened) weights. */
public final class CpuTensor implements Tensor {
    final float[] data;
    private final int[] shape;

    CpuTensor(float[] data, int[] shape) {
        if (data.length != Shapes.size(shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Shapes.size(shape)
                    + " values, got " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
    }

    CpuTensor(int[] shape) {
        this(new float[Shapes.intSize(shape)], shape);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    int[] shapeRef() {
        return shape;
    }

    @Override
    public String toString() {
        return "CpuTensor" + Arrays.toString(shape);
    }
}
