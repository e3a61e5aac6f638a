package dev.lumen.engine.vulkan;

import static org.lwjgl.util.vma.Vma.vmaCreateAllocator;
import static org.lwjgl.util.vma.Vma.vmaDestroyAllocator;
import static org.lwjgl.vulkan.KHRCooperativeMatrix.VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME;
import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK13.VK_API_VERSION_1_3;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.util.vma.VmaAllocatorCreateInfo;
import org.lwjgl.util.vma.VmaVulkanFunctions;
import org.lwjgl.vulkan.VkDevice;
import org.lwjgl.vulkan.VkDeviceCreateInfo;
import org.lwjgl.vulkan.VkDeviceQueueCreateInfo;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDeviceCooperativeMatrixFeaturesKHR;
import org.lwjgl.vulkan.VkPhysicalDeviceFeatures2;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan11Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan12Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan13Features;
import org.lwjgl.vulkan.VkQueue;
import org.lwjgl.vulkan.VkSubmitInfo;

/**
 * An open logical device: one compute queue, a VMA allocator, and the optional features of its
 * {@link DeviceCapabilities} enabled (fp16 arithmetic, 8/16-bit storage, int8/int16, integer dot
 * product, subgroup size control, the Vulkan memory model, cooperative matrices — each only where
 * supported). Created by {@link VulkanInstance#openDevice(DeviceSelector)} and owned by that instance. The device owns the
 * buffers, kernels and command batches made from it: {@link #close()} waits for the GPU to go idle and
 * closes any still open (with a warning, since that is a leak in the caller) before destroying the
 * allocator and the device. Queue submission is serialised internally, so batches may be submitted
 * from several threads.
 */
public final class VulkanDevice implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VulkanDevice.class.getName());

    private final VulkanInstance instance;
    private final VkPhysicalDevice physicalDevice;
    private final DeviceCapabilities capabilities;
    private final int apiVersion;
    private final VkDevice device;
    private final VkQueue queue;
    private final long allocator;
    private final Object queueLock = new Object();
    private final Set<AutoCloseable> resources = new LinkedHashSet<>();
    private boolean closed;

    VulkanDevice(VulkanInstance instance, VkPhysicalDevice physicalDevice, DeviceCapabilities capabilities) {
        this.instance = instance;
        this.physicalDevice = physicalDevice;
        this.capabilities = capabilities;
        int deviceApi = capabilities.apiVersion();
        this.apiVersion = Integer.compareUnsigned(deviceApi, instance.apiVersion()) < 0 ? deviceApi : instance.apiVersion();
        this.device = createDevice();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer pQueue = stack.mallocPointer(1);
            vkGetDeviceQueue(device, capabilities.computeQueueFamily(), 0, pQueue);
            this.queue = new VkQueue(pQueue.get(0), device);
            this.allocator = createAllocator(stack);
        } catch (RuntimeException e) {
            vkDestroyDevice(device, null);
            throw e;
        }
    }

    private VkDevice createDevice() {
        DeviceCapabilities caps = capabilities;
        boolean v13 = Integer.compareUnsigned(apiVersion, VK_API_VERSION_1_3) >= 0;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkDeviceQueueCreateInfo.Buffer queueInfo = VkDeviceQueueCreateInfo.calloc(1, stack);
            queueInfo.get(0)
                    .sType$Default()
                    .queueFamilyIndex(caps.computeQueueFamily())
                    .pQueuePriorities(stack.floats(1.0f));

            List<String> extensions = new ArrayList<>();
            if (caps.cooperativeMatrix()) {
                extensions.add(VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
            }
            // The spec requires enabling it on implementations that advertise it (MoltenVK).
            if (caps.hasExtension(DeviceCapabilities.EXT_PORTABILITY_SUBSET)) {
                extensions.add(DeviceCapabilities.EXT_PORTABILITY_SUBSET);
            }
            PointerBuffer extensionNames = stack.mallocPointer(extensions.size());
            extensions.forEach(e -> extensionNames.put(stack.UTF8(e)));
            extensionNames.flip();

            // Enable exactly what DeviceCapabilities reports as supported, so it stays the one truth.
            VkPhysicalDeviceFeatures2 features2 = VkPhysicalDeviceFeatures2.calloc(stack).sType$Default();
            features2.features().shaderInt16(caps.shaderInt16());
            VkPhysicalDeviceVulkan11Features f11 = VkPhysicalDeviceVulkan11Features.calloc(stack).sType$Default()
                    .storageBuffer16BitAccess(caps.storageBuffer16BitAccess());
            VkPhysicalDeviceVulkan12Features f12 = VkPhysicalDeviceVulkan12Features.calloc(stack).sType$Default()
                    .shaderFloat16(caps.shaderFloat16())
                    .shaderInt8(caps.shaderInt8())
                    .storageBuffer8BitAccess(caps.storageBuffer8BitAccess())
                    // gemm_coopmat.comp's SPIR-V declares the VulkanMemoryModel capability
                    // (glslang emits it for GL_KHR_memory_scope_semantics); with the model on, the
                    // other kernels' Device-scope barriers need its device scope as well.
                    .vulkanMemoryModel(caps.vulkanMemoryModel())
                    .vulkanMemoryModelDeviceScope(caps.vulkanMemoryModel());
            PNextChain chain = new PNextChain(features2.address(), VkPhysicalDeviceFeatures2.PNEXT)
                    .append(f11.address(), VkPhysicalDeviceVulkan11Features.PNEXT)
                    .append(f12.address(), VkPhysicalDeviceVulkan12Features.PNEXT);
            if (v13) {
                VkPhysicalDeviceVulkan13Features f13 = VkPhysicalDeviceVulkan13Features.calloc(stack).sType$Default()
                        .subgroupSizeControl(caps.subgroupSizeControl())
                        .computeFullSubgroups(caps.computeFullSubgroups())
                        .shaderIntegerDotProduct(caps.shaderIntegerDotProduct());
                chain.append(f13.address(), VkPhysicalDeviceVulkan13Features.PNEXT);
            }
            if (caps.cooperativeMatrix()) {
                VkPhysicalDeviceCooperativeMatrixFeaturesKHR coop = VkPhysicalDeviceCooperativeMatrixFeaturesKHR
                        .calloc(stack).sType$Default().cooperativeMatrix(true);
                chain.append(coop.address(), VkPhysicalDeviceCooperativeMatrixFeaturesKHR.PNEXT);
            }

            VkDeviceCreateInfo createInfo = VkDeviceCreateInfo.calloc(stack)
                    .sType$Default()
                    .pNext(features2.address())
                    .pQueueCreateInfos(queueInfo)
                    .ppEnabledExtensionNames(extensionNames);
            PointerBuffer pDevice = stack.mallocPointer(1);
            VkResults.check(vkCreateDevice(physicalDevice, createInfo, null, pDevice), "vkCreateDevice",
                    "device '" + caps.name() + "'");
            return new VkDevice(pDevice.get(0), physicalDevice, createInfo, apiVersion);
        }
    }

    private long createAllocator(MemoryStack stack) {
        VmaVulkanFunctions functions = VmaVulkanFunctions.calloc(stack).set(instance.handle(), device);
        VmaAllocatorCreateInfo info = VmaAllocatorCreateInfo.calloc(stack)
                .physicalDevice(physicalDevice)
                .device(device)
                .instance(instance.handle())
                .pVulkanFunctions(functions)
                // VMA knows versions up to 1.3; telling it more than the device uses would be wrong.
                .vulkanApiVersion(Integer.compareUnsigned(apiVersion, VK_API_VERSION_1_3) < 0 ? apiVersion : VK_API_VERSION_1_3);
        PointerBuffer pAllocator = stack.mallocPointer(1);
        VkResults.check(vmaCreateAllocator(info, pAllocator), "vmaCreateAllocator");
        return pAllocator.get(0);
    }

    public DeviceCapabilities capabilities() {
        return capabilities;
    }

    public VulkanInstance instance() {
        return instance;
    }

    public VkDevice handle() {
        checkOpen();
        return device;
    }

    public VkPhysicalDevice physicalDevice() {
        return physicalDevice;
    }

    /** The Vulkan version this device is used at: the lower of the device's and the instance's. */
    public int apiVersion() {
        return apiVersion;
    }

    public int queueFamily() {
        return capabilities.computeQueueFamily();
    }

    /** The {@code VmaAllocator} handle. */
    public long allocator() {
        checkOpen();
        return allocator;
    }

    /** A new, empty command batch; see {@link CommandBatch}. */
    public CommandBatch newBatch() {
        return new CommandBatch(this);
    }

    /** Records commands into a fresh batch, submits it and waits for it to finish. */
    public void submitAndWait(Consumer<CommandBatch> recorder) {
        try (CommandBatch batch = newBatch()) {
            recorder.accept(batch);
            batch.submitAndWait();
        }
    }

    /** Waits until the device has finished all submitted work. */
    public void waitIdle() {
        synchronized (queueLock) {
            VkResults.check(vkDeviceWaitIdle(device), "vkDeviceWaitIdle");
        }
    }

    /** Submits on the compute queue; the queue is externally synchronised per the spec, hence the lock. */
    void submit(VkSubmitInfo submitInfo, long fence) {
        synchronized (queueLock) {
            VkResults.check(vkQueueSubmit(queue, submitInfo, fence), "vkQueueSubmit");
        }
    }

    void register(AutoCloseable resource) {
        synchronized (resources) {
            checkOpen();
            resources.add(resource);
        }
    }

    void unregister(AutoCloseable resource) {
        synchronized (resources) {
            resources.remove(resource);
        }
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("VulkanDevice '" + capabilities.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        List<AutoCloseable> leaked;
        synchronized (resources) {
            if (closed) {
                return;
            }
            leaked = new ArrayList<>(resources);
        }
        // Resources may still be in use by the GPU; nothing may be destroyed before it is idle.
        int idle = vkDeviceWaitIdle(device);
        if (idle != VK_SUCCESS) {
            LOG.log(Level.WARNING, "vkDeviceWaitIdle failed while closing: " + VkResults.describe(idle));
        }
        if (!leaked.isEmpty()) {
            LOG.log(Level.WARNING, leaked.size() + " Vulkan resource(s) still open when device '"
                    + capabilities.name() + "' was closed; closing them: " + leaked);
            for (int i = leaked.size() - 1; i >= 0; i--) {
                try {
                    leaked.get(i).close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "Failed to close " + leaked.get(i), e);
                }
            }
        }
        synchronized (resources) {
            closed = true;
        }
        vmaDestroyAllocator(allocator);
        vkDestroyDevice(device, null);
        instance.deviceClosed(this);
    }

    @Override
    public String toString() {
        return "VulkanDevice[" + capabilities.name() + "]";
    }
}
