package dev.lumen.engine.vulkan;

import static org.lwjgl.system.MemoryUtil.NULL;
import static org.lwjgl.system.MemoryUtil.memAlloc;
import static org.lwjgl.system.MemoryUtil.memFree;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkComputePipelineCreateInfo;
import org.lwjgl.vulkan.VkDescriptorSetLayoutBinding;
import org.lwjgl.vulkan.VkDescriptorSetLayoutCreateInfo;
import org.lwjgl.vulkan.VkPipelineLayoutCreateInfo;
import org.lwjgl.vulkan.VkPipelineShaderStageCreateInfo;
import org.lwjgl.vulkan.VkPushConstantRange;
import org.lwjgl.vulkan.VkShaderModuleCreateInfo;
import org.lwjgl.vulkan.VkSpecializationInfo;
import org.lwjgl.vulkan.VkSpecializationMapEntry;

/**
 * A compute pipeline built from SPIR-V with the resource interface every Lumen kernel uses: one
 * descriptor set (set 0) whose bindings {@code 0..n-1} are storage buffers, an optional push-constant
 * block, and 32-bit specialization constants (workgroup sizes, tile shapes) fixed at creation. The
 * shader's entry point must be {@code main}. Dispatch it with
 * {@link CommandBatch#dispatch(ComputeKernel, java.util.List, ByteBuffer, int, int, int)}. Closing
 * destroys the pipeline and its layouts; it must not be closed while a submitted batch uses it.
 */
public final class ComputeKernel implements AutoCloseable {
    private final VulkanDevice device;
    private final String name;
    private final int storageBufferCount;
    private final int pushConstantBytes;
    private final long descriptorSetLayout;
    private final long pipelineLayout;
    private final long pipeline;
    private boolean closed;

    /** Starts building a kernel from {@code spirv} on {@code device}. */
    public static Builder builder(VulkanDevice device, SpirvCode spirv) {
        return new Builder(device, spirv);
    }

    /** Collects the kernel's interface; {@link #build()} creates the pipeline. */
    public static final class Builder {
        private final VulkanDevice device;
        private final SpirvCode spirv;
        private int storageBuffers;
        private int pushConstantBytes;
        private final Map<Integer, Integer> specialization = new TreeMap<>();

        private Builder(VulkanDevice device, SpirvCode spirv) {
            this.device = Objects.requireNonNull(device, "device");
            this.spirv = Objects.requireNonNull(spirv, "spirv");
        }

        /** Number of storage-buffer bindings (0..count-1 of set 0). */
        public Builder storageBuffers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("storage buffer count must be >= 0, got " + count);
            }
            this.storageBuffers = count;
            return this;
        }

        /** Size of the push-constant block in bytes, a multiple of 4 (0 for none). */
        public Builder pushConstantBytes(int bytes) {
            int max = device.capabilities().maxPushConstantsSize();
            if (bytes < 0 || bytes % 4 != 0 || bytes > max) {
                throw new IllegalArgumentException("push constant size must be a multiple of 4 in [0, " + max
                        + "], got " + bytes);
            }
            this.pushConstantBytes = bytes;
            return this;
        }

        /** Sets an {@code int}/{@code uint}/{@code bool} specialization constant. */
        public Builder specialization(int constantId, int value) {
            if (constantId < 0) {
                throw new IllegalArgumentException("specialization constant id must be >= 0, got " + constantId);
            }
            specialization.put(constantId, value);
            return this;
        }

        /** Sets a {@code float} specialization constant. */
        public Builder specialization(int constantId, float value) {
            return specialization(constantId, Float.floatToRawIntBits(value));
        }

        public ComputeKernel build() {
            return new ComputeKernel(this);
        }
    }

    private ComputeKernel(Builder b) {
        this.device = b.device;
        this.name = b.spirv.name();
        this.storageBufferCount = b.storageBuffers;
        this.pushConstantBytes = b.pushConstantBytes;
        long setLayout = NULL;
        long layout = NULL;
        long module = NULL;
        VulkanDevice dev = b.device;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            module = createShaderModule(dev, b.spirv);

            VkDescriptorSetLayoutBinding.Buffer bindings = VkDescriptorSetLayoutBinding.calloc(storageBufferCount, stack);
            for (int i = 0; i < storageBufferCount; i++) {
                bindings.get(i)
                        .binding(i)
                        .descriptorType(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER)
                        .descriptorCount(1)
                        .stageFlags(VK_SHADER_STAGE_COMPUTE_BIT);
            }
            VkDescriptorSetLayoutCreateInfo setLayoutInfo = VkDescriptorSetLayoutCreateInfo.calloc(stack)
                    .sType$Default()
                    .pBindings(bindings);
            var pHandle = stack.mallocLong(1);
            VkResults.check(vkCreateDescriptorSetLayout(dev.handle(), setLayoutInfo, null, pHandle),
                    "vkCreateDescriptorSetLayout", name);
            setLayout = pHandle.get(0);

            VkPipelineLayoutCreateInfo layoutInfo = VkPipelineLayoutCreateInfo.calloc(stack)
                    .sType$Default()
                    .pSetLayouts(stack.longs(setLayout));
            if (pushConstantBytes > 0) {
                layoutInfo.pPushConstantRanges(VkPushConstantRange.calloc(1, stack)
                        .stageFlags(VK_SHADER_STAGE_COMPUTE_BIT)
                        .offset(0)
                        .size(pushConstantBytes));
            }
            VkResults.check(vkCreatePipelineLayout(dev.handle(), layoutInfo, null, pHandle),
                    "vkCreatePipelineLayout", name);
            layout = pHandle.get(0);

            VkSpecializationInfo specInfo = null;
            if (!b.specialization.isEmpty()) {
                int count = b.specialization.size();
                VkSpecializationMapEntry.Buffer entries = VkSpecializationMapEntry.calloc(count, stack);
                ByteBuffer data = stack.malloc(count * Integer.BYTES);
                int i = 0;
                for (Map.Entry<Integer, Integer> e : b.specialization.entrySet()) {
                    entries.get(i).constantID(e.getKey()).offset(i * Integer.BYTES).size(Integer.BYTES);
                    data.putInt(i * Integer.BYTES, e.getValue());
                    i++;
                }
                specInfo = VkSpecializationInfo.calloc(stack).pMapEntries(entries).pData(data);
            }

            VkPipelineShaderStageCreateInfo stage = VkPipelineShaderStageCreateInfo.calloc(stack)
                    .sType$Default()
                    .stage(VK_SHADER_STAGE_COMPUTE_BIT)
                    .module(module)
                    .pName(stack.UTF8("main"))
                    .pSpecializationInfo(specInfo);
            VkComputePipelineCreateInfo.Buffer pipelineInfo = VkComputePipelineCreateInfo.calloc(1, stack);
            pipelineInfo.get(0)
                    .sType$Default()
                    .stage(stage)
                    .layout(layout)
                    .basePipelineIndex(-1);
            VkResults.check(vkCreateComputePipelines(dev.handle(), VK_NULL_HANDLE, pipelineInfo, null, pHandle),
                    "vkCreateComputePipelines", name);
            this.pipeline = pHandle.get(0);
            this.pipelineLayout = layout;
            this.descriptorSetLayout = setLayout;
        } catch (RuntimeException e) {
            if (layout != NULL) {
                vkDestroyPipelineLayout(dev.handle(), layout, null);
            }
            if (setLayout != NULL) {
                vkDestroyDescriptorSetLayout(dev.handle(), setLayout, null);
            }
            throw e;
        } finally {
            // The pipeline keeps what it needs; the module is only an input to its creation.
            if (module != NULL) {
                vkDestroyShaderModule(dev.handle(), module, null);
            }
        }
        dev.register(this);
    }

    private static long createShaderModule(VulkanDevice device, SpirvCode spirv) {
        // SPIR-V modules reach hundreds of KiB, too big for the thread's MemoryStack.
        ByteBuffer code = memAlloc(spirv.sizeInBytes());
        try (MemoryStack stack = MemoryStack.stackPush()) {
            spirv.copyTo(code);
            VkShaderModuleCreateInfo info = VkShaderModuleCreateInfo.calloc(stack)
                    .sType$Default()
                    .pCode(code);
            var pModule = stack.mallocLong(1);
            VkResults.check(vkCreateShaderModule(device.handle(), info, null, pModule), "vkCreateShaderModule",
                    spirv.name());
            return pModule.get(0);
        } finally {
            memFree(code);
        }
    }

    public String name() {
        return name;
    }

    public VulkanDevice device() {
        return device;
    }

    public int storageBufferCount() {
        return storageBufferCount;
    }

    public int pushConstantBytes() {
        return pushConstantBytes;
    }

    public long pipeline() {
        checkOpen();
        return pipeline;
    }

    public long pipelineLayout() {
        checkOpen();
        return pipelineLayout;
    }

    public long descriptorSetLayout() {
        checkOpen();
        return descriptorSetLayout;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ComputeKernel '" + name + "' is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.unregister(this);
        vkDestroyPipeline(device.handle(), pipeline, null);
        vkDestroyPipelineLayout(device.handle(), pipelineLayout, null);
        vkDestroyDescriptorSetLayout(device.handle(), descriptorSetLayout, null);
    }

    @Override
    public String toString() {
        return "ComputeKernel[" + name + ", " + storageBufferCount + " buffers, " + pushConstantBytes + " B push]";
    }
}
