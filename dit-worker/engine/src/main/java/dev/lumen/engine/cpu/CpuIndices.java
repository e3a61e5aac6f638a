package dev.lumen.engine.cpu;

import dev.lumen.engine.tensor.Tensor;

/** An int32 index list of the CPU backend ({@link CpuOps#indices}); only index arguments accept it. */
final class CpuIndices implements Tensor {
    final int[] values;

    CpuIndices(int[] values) {
        this.values = values;
    }

    @Override
    public int[] shape() {
        return new int[] {values.length};
    }

    @Override
    public String toString() {
        return "CpuIndices[" + values.length + "]";
    }
}
