package dev.lumen.engine.vulkan;

import static org.lwjgl.system.MemoryUtil.NULL;
import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK11.VK_ERROR_OUT_OF_POOL_MEMORY;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkBufferCopy;
import org.lwjgl.vulkan.VkCommandBuffer;
import org.lwjgl.vulkan.VkCommandBufferAllocateInfo;
import org.lwjgl.vulkan.VkCommandBufferBeginInfo;
import org.lwjgl.vulkan.VkCommandPoolCreateInfo;
import org.lwjgl.vulkan.VkDescriptorBufferInfo;
import org.lwjgl.vulkan.VkDescriptorPoolCreateInfo;
import org.lwjgl.vulkan.VkDescriptorPoolSize;
import org.lwjgl.vulkan.VkDescriptorSetAllocateInfo;
import org.lwjgl.vulkan.VkFenceCreateInfo;
import org.lwjgl.vulkan.VkMemoryBarrier;
import org.lwjgl.vulkan.VkQueryPoolCreateInfo;
import org.lwjgl.vulkan.VkSubmitInfo;
import org.lwjgl.vulkan.VkWriteDescriptorSet;

/**
 * A reusable command buffer for a sequence of compute dispatches and buffer copies that is submitted
 * as one unit and waited on with a fence. Commands execute in recording order: a full compute/transfer
 * memory barrier is inserted between consecutive commands, which is what dependent kernels need and
 * costs little on a single queue; a barrier to the host is added at the end so mapped buffers can be
 * read after {@link #submitAndWait()}. Descriptor sets come from pools owned by the batch, reset after
 * each submission, so recording allocates nothing on the Java heap per dispatch beyond the call
 * itself. Optionally ({@link #enableTimestamps(int)}) every dispatch is timed with timestamp queries,
 * read back after the submission. After {@link #submitAndWait()} the batch is empty and can be
 * recorded again. A batch is not
 * thread-safe; use one per thread. Closing it frees its command pool, fence and descriptor pools.
 */
public final class CommandBatch implements AutoCloseable {
    private static final int SETS_PER_POOL = 256;
    private static final int BUFFERS_PER_SET_ESTIMATE = 8;
    private static final long NO_TIMEOUT = -1L; // UINT64_MAX: wait forever

    private static final int COMPUTE_AND_TRANSFER = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    private static final int WRITES = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    private static final int READS_AND_WRITES = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT
            | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;

    private final VulkanDevice device;
    private final long commandPool;
    private final VkCommandBuffer commandBuffer;
    private final long fence;
    private final List<Long> descriptorPools = new ArrayList<>();
    private int currentPool;
    private int setsInCurrentPool;
    private boolean recording;
    private int commandCount;
    private boolean broken;
    private boolean closed;
    // Optional per-dispatch timing (see enableTimestamps): a start and an end query per dispatch.
    private long queryPool = NULL;
    private int queryCapacity;
    private final List<String> timedLabels = new ArrayList<>();
    private final List<KernelTiming> timings = new ArrayList<>();

    /** The GPU time of one timed dispatch of the last submission. */
    public record KernelTiming(String kernel, double nanos) {
    }

    CommandBatch(VulkanDevice device) {
        this.device = device;
        long pool = NULL;
        long createdFence = NULL;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var pHandle = stack.mallocLong(1);
            VkCommandPoolCreateInfo poolInfo = VkCommandPoolCreateInfo.calloc(stack)
                    .sType$Default()
                    .flags(VK_COMMAND_POOL_CREATE_TRANSIENT_BIT)
                    .queueFamilyIndex(device.queueFamily());
            VkResults.check(vkCreateCommandPool(device.handle(), poolInfo, null, pHandle), "vkCreateCommandPool");
            pool = pHandle.get(0);

            VkCommandBufferAllocateInfo allocInfo = VkCommandBufferAllocateInfo.calloc(stack)
                    .sType$Default()
                    .commandPool(pool)
                    .level(VK_COMMAND_BUFFER_LEVEL_PRIMARY)
                    .commandBufferCount(1);
            PointerBuffer pCommandBuffer = stack.mallocPointer(1);
            VkResults.check(vkAllocateCommandBuffers(device.handle(), allocInfo, pCommandBuffer),
                    "vkAllocateCommandBuffers");

            VkFenceCreateInfo fenceInfo = VkFenceCreateInfo.calloc(stack).sType$Default();
            VkResults.check(vkCreateFence(device.handle(), fenceInfo, null, pHandle), "vkCreateFence");
            createdFence = pHandle.get(0);

            this.commandPool = pool;
            this.commandBuffer = new VkCommandBuffer(pCommandBuffer.get(0), device.handle());
            this.fence = createdFence;
        } catch (RuntimeException e) {
            if (pool != NULL) {
                vkDestroyCommandPool(device.handle(), pool, null);
            }
            throw e;
        }
        device.register(this);
    }

    /**
     * Records a dispatch of {@code kernel} over {@code groupsX * groupsY * groupsZ} workgroups with
     * {@code buffers} bound to bindings {@code 0..n-1} in order. {@code pushConstants} holds the
     * remaining bytes of the push-constant block (exactly {@link ComputeKernel#pushConstantBytes()};
     * {@code null} when the kernel has none). A dispatch with zero groups records nothing.
     */
    public CommandBatch dispatch(ComputeKernel kernel, List<GpuBuffer> buffers, ByteBuffer pushConstants,
                                 int groupsX, int groupsY, int groupsZ) {
        checkUsable();
        Objects.requireNonNull(kernel, "kernel");
        if (kernel.device() != device) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " belongs to another device");
        }
        if (buffers.size() != kernel.storageBufferCount()) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " binds " + kernel.storageBufferCount()
                    + " storage buffers, got " + buffers.size());
        }
        int pushBytes = pushConstants == null ? 0 : pushConstants.remaining();
        if (pushBytes != kernel.pushConstantBytes()) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " takes " + kernel.pushConstantBytes()
                    + " push-constant bytes, got " + pushBytes);
        }
        List<Integer> maxGroups = device.capabilities().maxComputeWorkGroupCount();
        int[] groups = {groupsX, groupsY, groupsZ};
        for (int axis = 0; axis < 3; axis++) {
            if (groups[axis] < 0 || Integer.compareUnsigned(groups[axis], maxGroups.get(axis)) > 0) {
                throw new IllegalArgumentException("workgroup count " + groups[axis] + " on axis " + "xyz".charAt(axis)
                        + " outside [0, " + Integer.toUnsignedString(maxGroups.get(axis)) + "] for kernel " + kernel.name());
            }
        }
        for (GpuBuffer buffer : buffers) {
            if (buffer.device() != device) {
                throw new IllegalArgumentException(buffer + " belongs to another device");
            }
        }
        if (groupsX == 0 || groupsY == 0 || groupsZ == 0) {
            return this;
        }

        try (MemoryStack stack = MemoryStack.stackPush()) {
            beginCommand();
            long set = NULL;
            if (!buffers.isEmpty()) {
                set = allocateDescriptorSet(kernel, stack);
                VkWriteDescriptorSet.Buffer writes = VkWriteDescriptorSet.calloc(buffers.size(), stack);
                for (int i = 0; i < buffers.size(); i++) {
                    VkDescriptorBufferInfo.Buffer info = VkDescriptorBufferInfo.calloc(1, stack)
                            .buffer(buffers.get(i).handle())
                            .offset(0)
                            .range(VK_WHOLE_SIZE);
                    writes.get(i)
                            .sType$Default()
                            .dstSet(set)
                            .dstBinding(i)
                            .descriptorType(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER)
                            .descriptorCount(1)
                            .pBufferInfo(info);
                }
                vkUpdateDescriptorSets(device.handle(), writes, null);
            }
            vkCmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline());
            if (set != NULL) {
                vkCmdBindDescriptorSets(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipelineLayout(), 0,
                        stack.longs(set), null);
            }
            if (pushBytes > 0) {
                ByteBuffer direct = pushConstants;
                if (!pushConstants.isDirect()) {
                    direct = stack.malloc(pushBytes).put(pushConstants.duplicate()).flip();
                }
                vkCmdPushConstants(commandBuffer, kernel.pipelineLayout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, direct);
            }
            boolean timed = queryPool != NULL && 2 * (timedLabels.size() + 1) <= queryCapacity;
            if (timed) {
                // After the barrier of beginCommand, so the start excludes the previous command.
                vkCmdWriteTimestamp(commandBuffer, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queryPool, 2 * timedLabels.size());
            }
            vkCmdDispatch(commandBuffer, groupsX, groupsY, groupsZ);
            if (timed) {
                vkCmdWriteTimestamp(commandBuffer, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queryPool,
                        2 * timedLabels.size() + 1);
                timedLabels.add(kernel.name());
            }
        }
        return this;
    }

    /** A one-dimensional {@link #dispatch(ComputeKernel, List, ByteBuffer, int, int, int)}. */
    public CommandBatch dispatch(ComputeKernel kernel, List<GpuBuffer> buffers, ByteBuffer pushConstants, int groupsX) {
        return dispatch(kernel, buffers, pushConstants, groupsX, 1, 1);
    }

    /** Records a copy of {@code size} bytes between two buffers of this device. */
    public CommandBatch copy(GpuBuffer src, long srcOffset, GpuBuffer dst, long dstOffset, long size) {
        checkUsable();
        if (src.device() != device || dst.device() != device) {
            throw new IllegalArgumentException("copy between buffers of another device");
        }
        if (size < 0 || srcOffset < 0 || dstOffset < 0 || srcOffset > src.size() - size || dstOffset > dst.size() - size) {
            throw new IndexOutOfBoundsException("copy of " + size + " bytes from " + src + "@" + srcOffset + " to "
                    + dst + "@" + dstOffset + " is out of range");
        }
        if (size == 0) {
            return this;
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            beginCommand();
            VkBufferCopy.Buffer region = VkBufferCopy.calloc(1, stack)
                    .srcOffset(srcOffset)
                    .dstOffset(dstOffset)
                    .size(size);
            vkCmdCopyBuffer(commandBuffer, src.handle(), dst.handle(), region);
        }
        return this;
    }

    /** Whether nothing has been recorded since creation or the last submission. */
    public boolean isEmpty() {
        return commandCount == 0;
    }

    /**
     * Submits the recorded commands to the device's compute queue and blocks until they finish; the
     * batch is then empty and may be reused. Does nothing if nothing was recorded.
     */
    public void submitAndWait() {
        checkUsable();
        if (!recording) {
            return;
        }
        boolean submitted = false;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            // Makes device writes visible to host reads of mapped memory once the fence has signalled.
            memoryBarrier(stack, COMPUTE_AND_TRANSFER, VK_PIPELINE_STAGE_HOST_BIT, WRITES, VK_ACCESS_HOST_READ_BIT);
            VkResults.check(vkEndCommandBuffer(commandBuffer), "vkEndCommandBuffer");
            VkSubmitInfo submit = VkSubmitInfo.calloc(stack)
                    .sType$Default()
                    .pCommandBuffers(stack.pointers(commandBuffer));
            device.submit(submit, fence);
            submitted = true;
            VkResults.check(vkWaitForFences(device.handle(), fence, true, NO_TIMEOUT), "vkWaitForFences");
        } catch (RuntimeException e) {
            // After a failed wait the GPU may still be executing the buffer, so it must not be reset.
            if (submitted) {
                broken = true;
            } else {
                reset();
            }
            throw e;
        }
        collectTimings();
        reset();
    }

    /**
     * Starts timing every dispatch (up to {@code maxDispatches} per submission) with timestamp
     * queries; {@link #takeTimings()} returns the times after each {@link #submitAndWait()}. Only
     * while the batch is empty, and only on devices whose compute queue supports timestamps.
     */
    public void enableTimestamps(int maxDispatches) {
        checkUsable();
        if (recording) {
            throw new IllegalStateException("enable timestamps before recording");
        }
        if (!device.capabilities().timestampsSupported()) {
            throw new UnsupportedOperationException("device '" + device.capabilities().name()
                    + "' cannot write timestamps on its compute queue");
        }
        destroyQueryPool();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkQueryPoolCreateInfo info = VkQueryPoolCreateInfo.calloc(stack)
                    .sType$Default()
                    .queryType(VK_QUERY_TYPE_TIMESTAMP)
                    .queryCount(2 * maxDispatches);
            var pPool = stack.mallocLong(1);
            VkResults.check(vkCreateQueryPool(device.handle(), info, null, pPool), "vkCreateQueryPool");
            queryPool = pPool.get(0);
            queryCapacity = 2 * maxDispatches;
        }
    }

    /** Stops timing dispatches and frees the query pool. */
    public void disableTimestamps() {
        checkUsable();
        if (recording) {
            throw new IllegalStateException("disable timestamps before recording");
        }
        destroyQueryPool();
    }

    /** The dispatch times of the submissions since the last call, in recording order. */
    public List<KernelTiming> takeTimings() {
        List<KernelTiming> out = List.copyOf(timings);
        timings.clear();
        return out;
    }

    private void collectTimings() {
        if (queryPool == NULL || timedLabels.isEmpty()) {
            return;
        }
        int queries = 2 * timedLabels.size();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var results = stack.mallocLong(queries);
            VkResults.check(vkGetQueryPoolResults(device.handle(), queryPool, 0, queries, results, Long.BYTES,
                    VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT), "vkGetQueryPoolResults");
            int bits = device.capabilities().computeQueueTimestampValidBits();
            long mask = bits >= 64 ? -1L : (1L << bits) - 1;
            double period = device.capabilities().timestampPeriod();
            for (int i = 0; i < timedLabels.size(); i++) {
                long ticks = (results.get(2 * i + 1) - results.get(2 * i)) & mask;
                timings.add(new KernelTiming(timedLabels.get(i), ticks * period));
            }
        }
    }

    private void destroyQueryPool() {
        if (queryPool != NULL) {
            vkDestroyQueryPool(device.handle(), queryPool, null);
            queryPool = NULL;
            queryCapacity = 0;
        }
    }

    private void reset() {
        timedLabels.clear();
        VkResults.check(vkResetFences(device.handle(), fence), "vkResetFences");
        VkResults.check(vkResetCommandPool(device.handle(), commandPool, 0), "vkResetCommandPool");
        for (long pool : descriptorPools) {
            VkResults.check(vkResetDescriptorPool(device.handle(), pool, 0), "vkResetDescriptorPool");
        }
        currentPool = 0;
        setsInCurrentPool = 0;
        recording = false;
        commandCount = 0;
    }

    private void beginCommand() {
        if (!recording) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                VkCommandBufferBeginInfo begin = VkCommandBufferBeginInfo.calloc(stack)
                        .sType$Default()
                        .flags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
                VkResults.check(vkBeginCommandBuffer(commandBuffer, begin), "vkBeginCommandBuffer");
                if (queryPool != NULL) {
                    vkCmdResetQueryPool(commandBuffer, queryPool, 0, queryCapacity);
                }
            }
            recording = true;
        } else if (commandCount > 0) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                memoryBarrier(stack, COMPUTE_AND_TRANSFER, COMPUTE_AND_TRANSFER, WRITES, READS_AND_WRITES);
            }
        }
        commandCount++;
    }

    private void memoryBarrier(MemoryStack stack, int srcStages, int dstStages, int srcAccess, int dstAccess) {
        VkMemoryBarrier.Buffer barrier = VkMemoryBarrier.calloc(1, stack)
                .sType$Default()
                .srcAccessMask(srcAccess)
                .dstAccessMask(dstAccess);
        vkCmdPipelineBarrier(commandBuffer, srcStages, dstStages, 0, barrier, null, null);
    }

    private long allocateDescriptorSet(ComputeKernel kernel, MemoryStack stack) {
        if (kernel.storageBufferCount() > SETS_PER_POOL * BUFFERS_PER_SET_ESTIMATE) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " binds too many buffers");
        }
        var pSet = stack.mallocLong(1);
        while (true) {
            if (currentPool == descriptorPools.size()) {
                descriptorPools.add(createDescriptorPool());
            }
            VkDescriptorSetAllocateInfo info = VkDescriptorSetAllocateInfo.calloc(stack)
                    .sType$Default()
                    .descriptorPool(descriptorPools.get(currentPool))
                    .pSetLayouts(stack.longs(kernel.descriptorSetLayout()));
            int result = vkAllocateDescriptorSets(device.handle(), info, pSet);
            if (result == VK_SUCCESS) {
                setsInCurrentPool++;
                return pSet.get(0);
            }
            boolean poolExhausted = result == VK_ERROR_OUT_OF_POOL_MEMORY || result == VK_ERROR_FRAGMENTED_POOL;
            // An empty pool that cannot hold one set never will; moving on would loop forever.
            if (!poolExhausted || setsInCurrentPool == 0) {
                VkResults.check(result, "vkAllocateDescriptorSets", "kernel " + kernel.name());
            }
            currentPool++;
            setsInCurrentPool = 0;
        }
    }

    private long createDescriptorPool() {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkDescriptorPoolSize.Buffer sizes = VkDescriptorPoolSize.calloc(1, stack)
                    .type(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER)
                    .descriptorCount(SETS_PER_POOL * BUFFERS_PER_SET_ESTIMATE);
            VkDescriptorPoolCreateInfo info = VkDescriptorPoolCreateInfo.calloc(stack)
                    .sType$Default()
                    .maxSets(SETS_PER_POOL)
                    .pPoolSizes(sizes);
            var pPool = stack.mallocLong(1);
            VkResults.check(vkCreateDescriptorPool(device.handle(), info, null, pPool), "vkCreateDescriptorPool");
            return pPool.get(0);
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("CommandBatch is closed");
        }
        if (broken) {
            throw new IllegalStateException("CommandBatch is unusable after a failed wait; close it");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.unregister(this);
        for (long pool : descriptorPools) {
            vkDestroyDescriptorPool(device.handle(), pool, null);
        }
        destroyQueryPool();
        vkDestroyFence(device.handle(), fence, null);
        // Frees the command buffer with it.
        vkDestroyCommandPool(device.handle(), commandPool, null);
    }
}
