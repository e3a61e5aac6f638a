package dev.lumen.engine.vulkan;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * A tensor of {@link VulkanOps}: a shape and element type over device memory. Activations are
 * float32; weights keep their checkpoint dtype (F32, F16 or BF16) and are widened inside kernels.
 * Several tensors may share one {@link Storage} (reshape views); the storage goes back to the
 * backend when the last of them is released, by {@link #close()} or by the closing of the
 * {@link dev.lumen.engine.ops.Ops.Scope} it was created in. Using a released tensor fails with
 * {@link IllegalStateException} rather than reading memory that now belongs to another tensor.
 */
public final class VulkanTensor implements Tensor {

    /**
     * Device memory shared by a tensor and its views, reference-counted by the tensors using it.
     * {@code pooled} buffers return to the backend's {@link BufferPool}; the others (weights) are
     * destroyed when their last tensor is released.
     */
    static final class Storage {
        final GpuBuffer buffer;
        final boolean pooled;
        int references;

        Storage(GpuBuffer buffer, boolean pooled) {
            this.buffer = buffer;
            this.pooled = pooled;
        }
    }

    private final VulkanOps owner;
    final Storage storage;
    private final int[] shape;
    final DType dtype;
    /** For an index list ({@link VulkanOps#indices}): its values, kept to range-check its uses; else null. */
    final int[] indexValues;
    private boolean released;

    VulkanTensor(VulkanOps owner, Storage storage, int[] shape, DType dtype) {
        this(owner, storage, shape, dtype, null);
    }

    VulkanTensor(VulkanOps owner, Storage storage, int[] shape, DType dtype, int[] indexValues) {
        this.owner = owner;
        this.storage = storage;
        this.shape = shape.clone();
        this.dtype = dtype;
        this.indexValues = indexValues;
        storage.references++;
    }

    boolean isIndexList() {
        return indexValues != null;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    int[] shapeRef() {
        return shape;
    }

    GpuBuffer buffer() {
        if (released) {
            throw new IllegalStateException("Vulkan tensor " + this + " was used after it was released "
                    + "(closed, or its scope closed without keep())");
        }
        return storage.buffer;
    }

    VulkanOps owner() {
        return owner;
    }

    boolean isReleased() {
        return released;
    }

    /** Size in bytes of the elements (the buffer may be larger: pooled buffers come in size classes). */
    long byteSize() {
        return size() * dtype.byteSize();
    }

    /** Releases this view of the storage now; idempotent. */
    @Override
    public void close() {
        if (!released) {
            released = true;
            owner.release(this);
        }
    }

    @Override
    public String toString() {
        return "VulkanTensor" + Arrays.toString(shape) + (indexValues != null ? " int32 indices" : dtype == DType.F32 ? "" : " " + dtype)
                + (released ? " (released)" : "");
    }
}
