package dev.lumen.engine.vulkan;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device-local buffers for activations, recycled by size class so that a denoising step, whose
 * tensors have the same sizes as the previous step's, allocates nothing. Size classes are powers
 * of two and 1.5× powers of two (at most a third of a buffer is wasted). The pool owns its idle
 * buffers; {@link #trim()} and {@link #close()} destroy them and must only be called when no
 * submitted or recorded command still uses them (the owner flushes its batch first).
 *
 * <p>Handing a buffer back while the current batch still references it is safe for reuse within
 * the same batch: {@link CommandBatch} puts a full execution and memory barrier between
 * consecutive commands, so a later command writing the recycled buffer starts only after every
 * earlier command reading it has finished. Only destruction needs the batch to have completed.
 */
final class BufferPool implements AutoCloseable {
    private static final long MIN_CLASS = 256;

    private final VulkanDevice device;
    private final Map<Long, ArrayDeque<GpuBuffer>> idle = new HashMap<>();
    private long idleBytes;
    private long allocatedBytes;
    private long allocations;

    BufferPool(VulkanDevice device) {
        this.device = device;
    }

    /** A buffer of at least {@code bytes}, reused when one of its size class is idle. */
    GpuBuffer acquire(long bytes) {
        long size = sizeClass(bytes);
        ArrayDeque<GpuBuffer> free = idle.get(size);
        if (free != null && !free.isEmpty()) {
            idleBytes -= size;
            return free.pop();
        }
        allocations++;
        allocatedBytes += size;
        return GpuBuffer.create(device, size, GpuBuffer.Location.DEVICE_LOCAL);
    }

    /** Returns a buffer obtained from {@link #acquire} for reuse. */
    void release(GpuBuffer buffer) {
        idle.computeIfAbsent(buffer.size(), k -> new ArrayDeque<>()).push(buffer);
        idleBytes += buffer.size();
    }

    /** Destroys the idle buffers. Only call when no batch in flight or recorded uses them. */
    void trim() {
        for (ArrayDeque<GpuBuffer> free : idle.values()) {
            for (GpuBuffer b : free) {
                allocatedBytes -= b.size();
                b.close();
            }
        }
        idle.clear();
        idleBytes = 0;
    }

    /** Bytes held by idle buffers. */
    long idleBytes() {
        return idleBytes;
    }

    /** Bytes of all buffers the pool has created and not destroyed (in use or idle). */
    long allocatedBytes() {
        return allocatedBytes;
    }

    /** How many buffers the pool has had to create so far. */
    long allocations() {
        return allocations;
    }

    static long sizeClass(long bytes) {
        long size = Math.max(MIN_CLASS, bytes);
        long pow = Long.highestOneBit(size);
        if (pow == size) {
            return size;
        }
        long threeHalves = pow + (pow >> 1);
        return size <= threeHalves ? threeHalves : pow << 1;
    }

    @Override
    public void close() {
        trim();
    }
}
