package dev.lumen.engine.vulkan;

import static org.lwjgl.system.MemoryUtil.NULL;
import static org.lwjgl.system.MemoryUtil.memByteBuffer;
import static org.lwjgl.util.vma.Vma.*;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.util.vma.VmaAllocationCreateInfo;
import org.lwjgl.util.vma.VmaAllocationInfo;
import org.lwjgl.vulkan.VkBufferCreateInfo;

/**
 * A Vulkan storage buffer with its memory, allocated through VMA. Every buffer can be bound as a
 * storage buffer and used as a transfer source and destination. {@link Location#DEVICE_LOCAL} buffers
 * live in the fastest memory for the GPU and are filled and read through a temporary staging buffer;
 * {@link Location#HOST_VISIBLE} buffers are persistently mapped and accessed directly. The
 * {@link #upload}/{@link #download} methods work for both and are synchronous, so they must not be
 * called while a submitted batch still uses the buffer. Closing frees the buffer and its memory; it
 * must not be closed while the GPU may still use it ({@link VulkanDevice#close()} waits for idle first).
 */
public final class GpuBuffer implements AutoCloseable {
    /** Where the buffer's memory lives. */
    public enum Location {
        /** GPU memory; host access goes through a staging copy. */
        DEVICE_LOCAL,
        /** Host-visible, persistently mapped memory the host reads and writes directly. */
        HOST_VISIBLE
    }

    private static final int USAGE = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT
            | VK_BUFFER_USAGE_TRANSFER_DST_BIT;

    private final VulkanDevice device;
    private final long size;
    private final Location location;
    private final long buffer;
    private final long allocation;
    private final long mapped;
    private boolean closed;

    private GpuBuffer(VulkanDevice device, long size, Location location, int vmaUsage, int vmaFlags) {
        if (size <= 0) {
            throw new IllegalArgumentException("buffer size must be positive, got " + size);
        }
        this.device = Objects.requireNonNull(device, "device");
        this.size = size;
        this.location = location;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkBufferCreateInfo bufferInfo = VkBufferCreateInfo.calloc(stack)
                    .sType$Default()
                    .size(size)
                    .usage(USAGE)
                    .sharingMode(VK_SHARING_MODE_EXCLUSIVE);
            VmaAllocationCreateInfo allocInfo = VmaAllocationCreateInfo.calloc(stack)
                    .usage(vmaUsage)
                    .flags(vmaFlags);
            var pBuffer = stack.mallocLong(1);
            PointerBuffer pAllocation = stack.mallocPointer(1);
            VmaAllocationInfo info = VmaAllocationInfo.calloc(stack);
            VkResults.check(vmaCreateBuffer(device.allocator(), bufferInfo, allocInfo, pBuffer, pAllocation, info),
                    "vmaCreateBuffer", size + " bytes, " + location);
            this.buffer = pBuffer.get(0);
            this.allocation = pAllocation.get(0);
            this.mapped = info.pMappedData();
        }
        if (location == Location.HOST_VISIBLE && mapped == NULL) {
            vmaDestroyBuffer(device.allocator(), buffer, allocation);
            throw new VulkanException("VMA returned an unmapped allocation for a host-visible buffer of " + size + " bytes");
        }
        device.register(this);
    }

    /** Allocates an uninitialised buffer of {@code size} bytes. */
    public static GpuBuffer create(VulkanDevice device, long size, Location location) {
        return switch (location) {
            case DEVICE_LOCAL -> new GpuBuffer(device, size, location, VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE, 0);
            // Random access: kernels may read and write it and the host reads results back, which
            // needs cached memory; write-combined memory would make host reads very slow.
            case HOST_VISIBLE -> new GpuBuffer(device, size, location, VMA_MEMORY_USAGE_AUTO,
                    VMA_ALLOCATION_CREATE_HOST_ACCESS_RANDOM_BIT | VMA_ALLOCATION_CREATE_MAPPED_BIT);
        };
    }

    /** Allocates a buffer holding {@code data} (native byte order). */
    public static GpuBuffer of(VulkanDevice device, float[] data, Location location) {
        GpuBuffer buffer = create(device, (long) data.length * Float.BYTES, location);
        try {
            buffer.upload(data);
            return buffer;
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
    }

    private static GpuBuffer staging(VulkanDevice device, long size, boolean forUpload) {
        int access = forUpload ? VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT
                : VMA_ALLOCATION_CREATE_HOST_ACCESS_RANDOM_BIT;
        return new GpuBuffer(device, size, Location.HOST_VISIBLE, VMA_MEMORY_USAGE_AUTO,
                access | VMA_ALLOCATION_CREATE_MAPPED_BIT);
    }

    public long size() {
        return size;
    }

    public Location location() {
        return location;
    }

    /** The {@code VkBuffer} handle. */
    public long handle() {
        checkOpen();
        return buffer;
    }

    public VulkanDevice device() {
        return device;
    }

    /** Copies {@code src}'s remaining bytes to this buffer at {@code offset}; {@code src}'s position is not moved. */
    public void upload(ByteBuffer src, long offset) {
        checkOpen();
        long length = src.remaining();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        if (mapped != NULL) {
            memByteBuffer(mapped + offset, Math.toIntExact(length)).put(src.duplicate());
            // A no-op on coherent memory, required on non-coherent memory.
            vmaFlushAllocation(device.allocator(), allocation, offset, length);
            return;
        }
        try (GpuBuffer staging = staging(device, length, true)) {
            staging.upload(src, 0);
            device.submitAndWait(batch -> batch.copy(staging, 0, this, offset, length));
        }
    }

    /** Fills {@code dst}'s remaining bytes from this buffer at {@code offset}; {@code dst}'s position is not moved. */
    public void download(long offset, ByteBuffer dst) {
        checkOpen();
        long length = dst.remaining();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        if (mapped != NULL) {
            // A no-op on coherent memory, required on non-coherent memory.
            vmaInvalidateAllocation(device.allocator(), allocation, offset, length);
            dst.duplicate().put(memByteBuffer(mapped + offset, Math.toIntExact(length)));
            return;
        }
        try (GpuBuffer staging = staging(device, length, false)) {
            device.submitAndWait(batch -> batch.copy(this, offset, staging, 0, length));
            staging.download(0, dst);
        }
    }

    /** Writes {@code data} at the start of the buffer in native byte order. */
    public void upload(float[] data) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(data.length * Float.BYTES).order(ByteOrder.nativeOrder());
        bytes.asFloatBuffer().put(data);
        upload(bytes, 0);
    }

    /** Reads the first {@code count} floats of the buffer (native byte order). */
    public float[] downloadFloats(int count) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder());
        download(0, bytes);
        float[] out = new float[count];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + "+" + length
                    + ") outside buffer of " + size + " bytes");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("GpuBuffer is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.unregister(this);
        vmaDestroyBuffer(device.allocator(), buffer, allocation);
    }

    @Override
    public String toString() {
        return "GpuBuffer[" + size + " bytes, " + location + "]";
    }
}
