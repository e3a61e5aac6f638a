package dev.lumen.engine.cpu;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A large weight matrix left where the checkpoint put it (a memory-mapped segment in its stored
 * dtype); the matrix kernels widen it tile by tile.
 */
public final class CpuWeight implements Tensor {
    final String name;
    final MemorySegment data;
    final DType dtype;
    private final int[] shape;

    CpuWeight(String name, MemorySegment data, DType dtype, int[] shape) {
        this.name = name;
        this.data = data;
        this.dtype = dtype;
        this.shape = shape.clone();
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
        return "CpuWeight " + name + " " + dtype + Arrays.toString(shape);
    }
}
