package dev.lumen.engine.vulkan;

import static org.lwjgl.vulkan.KHRCooperativeMatrix.VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
import static org.lwjgl.vulkan.KHRCooperativeMatrix.vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR;
import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK11.*;
import static org.lwjgl.vulkan.VK12.*;
import static org.lwjgl.vulkan.VK13.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkCooperativeMatrixPropertiesKHR;
import org.lwjgl.vulkan.VkExtensionProperties;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDeviceCooperativeMatrixFeaturesKHR;
import org.lwjgl.vulkan.VkPhysicalDeviceFeatures2;
import org.lwjgl.vulkan.VkPhysicalDeviceLimits;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties2;
import org.lwjgl.vulkan.VkPhysicalDeviceSubgroupSizeControlPropertiesEXT;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan11Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan11Properties;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan12Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan12Properties;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan13Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan13Properties;
import org.lwjgl.vulkan.VkQueueFamilyProperties;

/**
 * Everything the Vulkan backend needs to know about one physical device, queried once: identity
 * (name, type, vendor/device id, driver and API versions), the optional shader features kernels may
 * rely on (fp16 arithmetic, 16/8-bit storage, integer dot product, subgroup size control, the
 * Vulkan memory model), subgroup size and operations, compute limits, the compute queue family with
 * its timestamp support, and the {@code VK_KHR_cooperative_matrix} shapes. {@link VulkanDevice}
 * enables every optional feature listed here that is {@code true}, so for an open device these
 * flags also say what kernels may use. Instances are immutable; {@link #summary()} gives a
 * multi-line report for logs.
 *
 * @param apiVersion                    the device's Vulkan version, encoded as {@code VK_MAKE_API_VERSION}
 * @param driverVersion                 vendor-encoded; see {@link #driverVersionString()}
 * @param driverName                    from {@code VkPhysicalDeviceVulkan12Properties}, empty before 1.2
 * @param maxComputeWorkGroupSize       x, y, z
 * @param maxComputeWorkGroupCount      x, y, z
 * @param deviceLocalMemoryBytes        the size of the largest device-local heap
 * @param computeQueueFamily            the queue family {@link VulkanDevice} uses, -1 if none can compute
 * @param computeQueueTimestampValidBits 0 when the compute queue cannot write timestamps
 * @param vulkanMemoryModel             the vulkanMemoryModel feature together with its device scope
 * @param timestampPeriod               nanoseconds per timestamp tick
 * @param extensions                    all device extensions the device supports
 */
public record DeviceCapabilities(
        String name,
        DeviceType type,
        int vendorId,
        int deviceId,
        int driverVersion,
        String driverName,
        String driverInfo,
        int apiVersion,
        boolean shaderFloat16,
        boolean shaderInt8,
        boolean shaderInt16,
        boolean storageBuffer16BitAccess,
        boolean storageBuffer8BitAccess,
        boolean shaderIntegerDotProduct,
        boolean vulkanMemoryModel,
        int subgroupSize,
        int minSubgroupSize,
        int maxSubgroupSize,
        boolean subgroupSizeControl,
        boolean computeFullSubgroups,
        boolean subgroupsInComputeStage,
        Set<SubgroupOperation> subgroupOperations,
        int maxComputeSharedMemorySize,
        List<Integer> maxComputeWorkGroupSize,
        List<Integer> maxComputeWorkGroupCount,
        int maxComputeWorkGroupInvocations,
        int maxPushConstantsSize,
        long maxStorageBufferRange,
        long maxMemoryAllocationSize,
        long minStorageBufferOffsetAlignment,
        long deviceLocalMemoryBytes,
        int computeQueueFamily,
        int computeQueueTimestampValidBits,
        float timestampPeriod,
        boolean cooperativeMatrix,
        List<CooperativeMatrixShape> cooperativeMatrixShapes,
        Set<String> extensions) {

    static final String EXT_COOPERATIVE_MATRIX = "VK_KHR_cooperative_matrix";
    static final String EXT_SUBGROUP_SIZE_CONTROL = "VK_EXT_subgroup_size_control";
    static final String EXT_PORTABILITY_SUBSET = "VK_KHR_portability_subset";

    /** Physical device types, in the order automatic selection prefers them. */
    public enum DeviceType {
        DISCRETE_GPU, INTEGRATED_GPU, VIRTUAL_GPU, CPU, OTHER;

        static DeviceType of(int vkType) {
            return switch (vkType) {
                case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU -> DISCRETE_GPU;
                case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU -> INTEGRATED_GPU;
                case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU -> VIRTUAL_GPU;
                case VK_PHYSICAL_DEVICE_TYPE_CPU -> CPU;
                default -> OTHER;
            };
        }
    }

    /** Subgroup operation classes ({@code VkSubgroupFeatureFlagBits}). */
    public enum SubgroupOperation {
        BASIC(VK_SUBGROUP_FEATURE_BASIC_BIT),
        VOTE(VK_SUBGROUP_FEATURE_VOTE_BIT),
        ARITHMETIC(VK_SUBGROUP_FEATURE_ARITHMETIC_BIT),
        BALLOT(VK_SUBGROUP_FEATURE_BALLOT_BIT),
        SHUFFLE(VK_SUBGROUP_FEATURE_SHUFFLE_BIT),
        SHUFFLE_RELATIVE(VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT),
        CLUSTERED(VK_SUBGROUP_FEATURE_CLUSTERED_BIT),
        QUAD(VK_SUBGROUP_FEATURE_QUAD_BIT);

        private final int bit;

        SubgroupOperation(int bit) {
            this.bit = bit;
        }

        static Set<SubgroupOperation> fromBits(int bits) {
            EnumSet<SubgroupOperation> set = EnumSet.noneOf(SubgroupOperation.class);
            for (SubgroupOperation op : values()) {
                if ((bits & op.bit) != 0) {
                    set.add(op);
                }
            }
            return Collections.unmodifiableSet(set);
        }
    }

    /** Matrix element types ({@code VkComponentTypeKHR}); types newer than this enum read as {@code OTHER}. */
    public enum ComponentType {
        FLOAT16, FLOAT32, FLOAT64, SINT8, SINT16, SINT32, SINT64, UINT8, UINT16, UINT32, UINT64, OTHER;

        static ComponentType of(int vkType) {
            // VK_COMPONENT_TYPE_FLOAT16_KHR .. VK_COMPONENT_TYPE_UINT64_KHR are 0..10, in this enum's order.
            return vkType >= 0 && vkType < OTHER.ordinal() ? values()[vkType] : OTHER;
        }
    }

    /** Scope of a cooperative matrix ({@code VkScopeKHR}). */
    public enum Scope {
        DEVICE, WORKGROUP, SUBGROUP, QUEUE_FAMILY, OTHER;

        static Scope of(int vkScope) {
            return switch (vkScope) {
                case 1 -> DEVICE;
                case 2 -> WORKGROUP;
                case 3 -> SUBGROUP;
                case 5 -> QUEUE_FAMILY;
                default -> OTHER;
            };
        }
    }

    /** One supported {@code MxNxK} cooperative matrix multiply-add, {@code Result = A*B + C}. */
    public record CooperativeMatrixShape(int m, int n, int k, ComponentType a, ComponentType b, ComponentType c,
                                         ComponentType result, boolean saturatingAccumulation, Scope scope) {
        @Override
        public String toString() {
            return m + "x" + n + "x" + k + " " + a + "*" + b + "+" + c + "->" + result
                    + (saturatingAccumulation ? " sat" : "") + " " + scope;
        }
    }

    public DeviceCapabilities {
        subgroupOperations = Set.copyOf(subgroupOperations);
        maxComputeWorkGroupSize = List.copyOf(maxComputeWorkGroupSize);
        maxComputeWorkGroupCount = List.copyOf(maxComputeWorkGroupCount);
        cooperativeMatrixShapes = List.copyOf(cooperativeMatrixShapes);
        extensions = Collections.unmodifiableSet(new TreeSet<>(extensions));
    }

    /** Whether timestamps can be written on the compute queue; see {@link #timestampPeriod()} for their unit. */
    public boolean timestampsSupported() {
        return computeQueueFamily >= 0 && computeQueueTimestampValidBits > 0 && timestampPeriod > 0;
    }

    public boolean hasExtension(String extension) {
        return extensions.contains(extension);
    }

    /** Whether some cooperative matrix shape multiplies {@code ab} inputs into a {@code accumulator} sum. */
    public boolean supportsCooperativeMatrix(ComponentType ab, ComponentType accumulator) {
        return cooperativeMatrixShapes.stream()
                .anyMatch(s -> s.a() == ab && s.b() == ab && s.c() == accumulator && s.result() == accumulator);
    }

    public String apiVersionString() {
        return VK_API_VERSION_MAJOR(apiVersion) + "." + VK_API_VERSION_MINOR(apiVersion) + "."
                + VK_API_VERSION_PATCH(apiVersion);
    }

    /** The driver version decoded with the vendor's scheme (NVIDIA packs four fields; others use Vulkan's). */
    public String driverVersionString() {
        if (vendorId == 0x10DE) {
            return ((driverVersion >>> 22) & 0x3FF) + "." + ((driverVersion >>> 14) & 0xFF) + "."
                    + ((driverVersion >>> 6) & 0xFF) + "." + (driverVersion & 0x3F);
        }
        return VK_API_VERSION_MAJOR(driverVersion) + "." + VK_API_VERSION_MINOR(driverVersion) + "."
                + VK_API_VERSION_PATCH(driverVersion);
    }

    /**
     * Why the backend cannot use this device, or empty if it can: it needs Vulkan 1.2 (for the
     * 1.1/1.2 feature structures and SPIR-V 1.5) and a queue family that supports compute.
     */
    public Optional<String> unsuitableReason() {
        if (VK_API_VERSION_MAJOR(apiVersion) == 1 && VK_API_VERSION_MINOR(apiVersion) < 2) {
            return Optional.of("supports only Vulkan " + apiVersionString() + ", Lumen needs 1.2 or newer");
        }
        if (computeQueueFamily < 0) {
            return Optional.of("has no queue family with compute support");
        }
        return Optional.empty();
    }

    /** A multi-line human-readable report of the capabilities, without the extension list. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(" [").append(type).append(String.format(Locale.ROOT, ", vendor 0x%04x, device 0x%04x",
                vendorId, deviceId)).append("]\n");
        sb.append("  Vulkan ").append(apiVersionString()).append(", driver ")
                .append(driverName.isEmpty() ? "" : driverName + " ").append(driverVersionString())
                .append(driverInfo.isEmpty() ? "" : " (" + driverInfo + ")").append('\n');
        sb.append("  fp16 arithmetic ").append(shaderFloat16).append(", 16-bit storage ").append(storageBuffer16BitAccess)
                .append(", int8 ").append(shaderInt8).append(", int16 ").append(shaderInt16)
                .append(", 8-bit storage ").append(storageBuffer8BitAccess)
                .append(", integer dot product ").append(shaderIntegerDotProduct)
                .append(", Vulkan memory model ").append(vulkanMemoryModel).append('\n');
        sb.append("  subgroup size ").append(subgroupSize).append(" (").append(minSubgroupSize).append("..")
                .append(maxSubgroupSize).append(", size control ").append(subgroupSizeControl)
                .append(", in compute ").append(subgroupsInComputeStage).append(") ops ").append(orderedOps()).append('\n');
        sb.append("  shared memory ").append(maxComputeSharedMemorySize).append(" B, workgroup size ")
                .append(maxComputeWorkGroupSize).append(", invocations ").append(maxComputeWorkGroupInvocations)
                .append(", workgroup count ").append(maxComputeWorkGroupCount).append('\n');
        sb.append("  push constants ").append(maxPushConstantsSize).append(" B, storage buffer range ")
                .append(maxStorageBufferRange).append(" B, max allocation ").append(maxMemoryAllocationSize)
                .append(" B, device-local heap ").append(deviceLocalMemoryBytes / (1024 * 1024)).append(" MiB\n");
        sb.append("  compute queue family ").append(computeQueueFamily).append(", timestamps ")
                .append(timestampsSupported() ? computeQueueTimestampValidBits + " bits @ " + timestampPeriod + " ns/tick"
                        : "unsupported").append('\n');
        sb.append("  cooperative matrix ").append(cooperativeMatrix ? cooperativeMatrixShapes : "unsupported");
        return sb.toString();
    }

    @Override
    public String toString() {
        return name + " (" + type + ", Vulkan " + apiVersionString() + ")";
    }

    private List<SubgroupOperation> orderedOps() {
        List<SubgroupOperation> ops = new ArrayList<>(subgroupOperations);
        Collections.sort(ops);
        return ops;
    }

    /**
     * Queries {@code device}. {@code instanceApiVersion} caps which structures may be chained: a
     * structure newer than either the instance or the device must not be passed to the driver.
     */
    static DeviceCapabilities query(VkPhysicalDevice device, int instanceApiVersion) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkPhysicalDeviceProperties core = VkPhysicalDeviceProperties.malloc(stack);
            vkGetPhysicalDeviceProperties(device, core);
            int deviceApi = core.apiVersion();
            int effectiveApi = Integer.compareUnsigned(deviceApi, instanceApiVersion) < 0 ? deviceApi : instanceApiVersion;
            boolean v12 = atLeast(effectiveApi, 2);
            boolean v13 = atLeast(effectiveApi, 3);
            Set<String> extensions = extensions(device, stack);
            boolean hasCoopMat = extensions.contains(EXT_COOPERATIVE_MATRIX)
                    && device.getCapabilities().vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR != 0L;
            boolean hasSizeControlExt = !v13 && extensions.contains(EXT_SUBGROUP_SIZE_CONTROL);

            VkPhysicalDeviceProperties2 props2 = VkPhysicalDeviceProperties2.calloc(stack).sType$Default();
            VkPhysicalDeviceVulkan11Properties p11 = VkPhysicalDeviceVulkan11Properties.calloc(stack).sType$Default();
            VkPhysicalDeviceVulkan12Properties p12 = VkPhysicalDeviceVulkan12Properties.calloc(stack).sType$Default();
            VkPhysicalDeviceVulkan13Properties p13 = VkPhysicalDeviceVulkan13Properties.calloc(stack).sType$Default();
            VkPhysicalDeviceSubgroupSizeControlPropertiesEXT pSize =
                    VkPhysicalDeviceSubgroupSizeControlPropertiesEXT.calloc(stack).sType$Default();
            VkPhysicalDeviceFeatures2 features2 = VkPhysicalDeviceFeatures2.calloc(stack).sType$Default();
            VkPhysicalDeviceVulkan11Features f11 = VkPhysicalDeviceVulkan11Features.calloc(stack).sType$Default();
            VkPhysicalDeviceVulkan12Features f12 = VkPhysicalDeviceVulkan12Features.calloc(stack).sType$Default();
            VkPhysicalDeviceVulkan13Features f13 = VkPhysicalDeviceVulkan13Features.calloc(stack).sType$Default();
            VkPhysicalDeviceCooperativeMatrixFeaturesKHR fCoop =
                    VkPhysicalDeviceCooperativeMatrixFeaturesKHR.calloc(stack).sType$Default();
            if (v12) {
                PNextChain props = new PNextChain(props2.address(), VkPhysicalDeviceProperties2.PNEXT)
                        .append(p11.address(), VkPhysicalDeviceVulkan11Properties.PNEXT)
                        .append(p12.address(), VkPhysicalDeviceVulkan12Properties.PNEXT);
                if (v13) {
                    props.append(p13.address(), VkPhysicalDeviceVulkan13Properties.PNEXT);
                } else if (hasSizeControlExt) {
                    props.append(pSize.address(), VkPhysicalDeviceSubgroupSizeControlPropertiesEXT.PNEXT);
                }
                vkGetPhysicalDeviceProperties2(device, props2);

                PNextChain feats = new PNextChain(features2.address(), VkPhysicalDeviceFeatures2.PNEXT)
                        .append(f11.address(), VkPhysicalDeviceVulkan11Features.PNEXT)
                        .append(f12.address(), VkPhysicalDeviceVulkan12Features.PNEXT);
                if (v13) {
                    feats.append(f13.address(), VkPhysicalDeviceVulkan13Features.PNEXT);
                }
                if (hasCoopMat) {
                    feats.append(fCoop.address(), VkPhysicalDeviceCooperativeMatrixFeaturesKHR.PNEXT);
                }
                vkGetPhysicalDeviceFeatures2(device, features2);
            }

            VkPhysicalDeviceLimits limits = core.limits();
            int minSubgroup = v13 ? p13.minSubgroupSize() : hasSizeControlExt ? pSize.minSubgroupSize() : p11.subgroupSize();
            int maxSubgroup = v13 ? p13.maxSubgroupSize() : hasSizeControlExt ? pSize.maxSubgroupSize() : p11.subgroupSize();

            int[] queue = chooseComputeQueue(device, stack);
            boolean coopMatEnabled = v12 && hasCoopMat && fCoop.cooperativeMatrix();

            return new DeviceCapabilities(
                    core.deviceNameString(),
                    DeviceType.of(core.deviceType()),
                    core.vendorID(),
                    core.deviceID(),
                    core.driverVersion(),
                    v12 ? p12.driverNameString() : "",
                    v12 ? p12.driverInfoString() : "",
                    deviceApi,
                    v12 && f12.shaderFloat16(),
                    v12 && f12.shaderInt8(),
                    v12 && features2.features().shaderInt16(),
                    v12 && f11.storageBuffer16BitAccess(),
                    v12 && f12.storageBuffer8BitAccess(),
                    v13 && f13.shaderIntegerDotProduct(),
                    // Both or neither: with the model enabled, the other kernels' Device-scope barriers
                    // are only valid with its device scope (VUID-RuntimeSpirv-vulkanMemoryModel-06265).
                    v12 && f12.vulkanMemoryModel() && f12.vulkanMemoryModelDeviceScope(),
                    v12 ? p11.subgroupSize() : 0,
                    v12 ? minSubgroup : 0,
                    v12 ? maxSubgroup : 0,
                    v13 && f13.subgroupSizeControl(),
                    v13 && f13.computeFullSubgroups(),
                    v12 && (p11.subgroupSupportedStages() & VK_SHADER_STAGE_COMPUTE_BIT) != 0,
                    v12 ? SubgroupOperation.fromBits(p11.subgroupSupportedOperations()) : Set.of(),
                    limits.maxComputeSharedMemorySize(),
                    List.of(limits.maxComputeWorkGroupSize(0), limits.maxComputeWorkGroupSize(1),
                            limits.maxComputeWorkGroupSize(2)),
                    List.of(limits.maxComputeWorkGroupCount(0), limits.maxComputeWorkGroupCount(1),
                            limits.maxComputeWorkGroupCount(2)),
                    limits.maxComputeWorkGroupInvocations(),
                    limits.maxPushConstantsSize(),
                    Integer.toUnsignedLong(limits.maxStorageBufferRange()),
                    v12 ? p11.maxMemoryAllocationSize() : 0L,
                    limits.minStorageBufferOffsetAlignment(),
                    largestDeviceLocalHeap(device, stack),
                    queue[0],
                    queue[1],
                    limits.timestampPeriod(),
                    coopMatEnabled,
                    coopMatEnabled ? cooperativeMatrixShapes(device) : List.of(),
                    extensions);
        }
    }

    private static boolean atLeast(int apiVersion, int minor) {
        return VK_API_VERSION_MAJOR(apiVersion) > 1
                || (VK_API_VERSION_MAJOR(apiVersion) == 1 && VK_API_VERSION_MINOR(apiVersion) >= minor);
    }

    private static Set<String> extensions(VkPhysicalDevice device, MemoryStack stack) {
        var count = stack.mallocInt(1);
        VkResults.check(vkEnumerateDeviceExtensionProperties(device, (String) null, count, null),
                "vkEnumerateDeviceExtensionProperties");
        Set<String> names = new TreeSet<>();
        if (count.get(0) == 0) {
            return names;
        }
        // Heap, not stack: drivers report hundreds of 260-byte entries, more than the default stack holds.
        try (VkExtensionProperties.Buffer props = VkExtensionProperties.calloc(count.get(0))) {
            VkResults.check(vkEnumerateDeviceExtensionProperties(device, (String) null, count, props),
                    "vkEnumerateDeviceExtensionProperties");
            for (int i = 0; i < count.get(0); i++) {
                names.add(props.get(i).extensionNameString());
            }
        }
        return names;
    }

    /**
     * Returns {family, timestampValidBits}. Drivers list the universal queue family first and it
     * is the one with the most queues and guaranteed timestamps; a dedicated async-compute family buys
     * nothing while this engine is the only workload, so the first compute family with timestamps wins.
     */
    private static int[] chooseComputeQueue(VkPhysicalDevice device, MemoryStack stack) {
        var count = stack.mallocInt(1);
        vkGetPhysicalDeviceQueueFamilyProperties(device, count, null);
        VkQueueFamilyProperties.Buffer families = VkQueueFamilyProperties.malloc(count.get(0), stack);
        vkGetPhysicalDeviceQueueFamilyProperties(device, count, families);
        int fallback = -1;
        for (int i = 0; i < families.capacity(); i++) {
            VkQueueFamilyProperties f = families.get(i);
            if ((f.queueFlags() & VK_QUEUE_COMPUTE_BIT) == 0 || f.queueCount() == 0) {
                continue;
            }
            if (f.timestampValidBits() > 0) {
                return new int[] {i, f.timestampValidBits()};
            }
            if (fallback < 0) {
                fallback = i;
            }
        }
        return new int[] {fallback, 0};
    }

    private static long largestDeviceLocalHeap(VkPhysicalDevice device, MemoryStack stack) {
        VkPhysicalDeviceMemoryProperties mem = VkPhysicalDeviceMemoryProperties.malloc(stack);
        vkGetPhysicalDeviceMemoryProperties(device, mem);
        long largest = 0;
        for (int i = 0; i < mem.memoryHeapCount(); i++) {
            if ((mem.memoryHeaps(i).flags() & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0) {
                largest = Math.max(largest, mem.memoryHeaps(i).size());
            }
        }
        return largest;
    }

    private static List<CooperativeMatrixShape> cooperativeMatrixShapes(VkPhysicalDevice device) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var count = stack.mallocInt(1);
            VkResults.check(vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR(device, count, null),
                    "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
            int n = count.get(0);
            if (n == 0) {
                return List.of();
            }
            try (VkCooperativeMatrixPropertiesKHR.Buffer props = VkCooperativeMatrixPropertiesKHR.calloc(n)) {
                for (int i = 0; i < n; i++) {
                    props.get(i).sType(VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR);
                }
                int result = vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR(device, count, props);
                // VK_INCOMPLETE only means the list shrank between the two calls; what we got is valid.
                if (result != VK_INCOMPLETE) {
                    VkResults.check(result, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
                }
                List<CooperativeMatrixShape> shapes = new ArrayList<>(count.get(0));
                for (int i = 0; i < Math.min(n, count.get(0)); i++) {
                    VkCooperativeMatrixPropertiesKHR p = props.get(i);
                    shapes.add(new CooperativeMatrixShape(p.MSize(), p.NSize(), p.KSize(),
                            ComponentType.of(p.AType()), ComponentType.of(p.BType()), ComponentType.of(p.CType()),
                            ComponentType.of(p.ResultType()), p.saturatingAccumulation(), Scope.of(p.scope())));
                }
                return shapes;
            }
        }
    }
}
