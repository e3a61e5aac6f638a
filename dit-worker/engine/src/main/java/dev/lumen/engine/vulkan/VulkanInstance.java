package dev.lumen.engine.vulkan;

import static org.lwjgl.system.MemoryUtil.NULL;
import static org.lwjgl.vulkan.EXTDebugUtils.*;
import static org.lwjgl.vulkan.KHRPortabilityEnumeration.VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
import static org.lwjgl.vulkan.KHRPortabilityEnumeration.VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK12.VK_API_VERSION_1_2;
import static org.lwjgl.vulkan.VK13.VK_API_VERSION_1_3;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK;
import org.lwjgl.vulkan.VkApplicationInfo;
import org.lwjgl.vulkan.VkDebugUtilsMessengerCallbackDataEXT;
import org.lwjgl.vulkan.VkDebugUtilsMessengerCallbackEXT;
import org.lwjgl.vulkan.VkDebugUtilsMessengerCreateInfoEXT;
import org.lwjgl.vulkan.VkExtensionProperties;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkInstanceCreateInfo;
import org.lwjgl.vulkan.VkLayerProperties;
import org.lwjgl.vulkan.VkPhysicalDevice;

/**
 * A headless Vulkan 1.2+ instance (no surface or window-system extensions) and the entry point of the
 * Vulkan backend: it loads the Vulkan loader, lists the physical devices with their
 * {@link DeviceCapabilities}, and opens a {@link VulkanDevice} chosen by a {@link DeviceSelector}.
 * The instance owns the devices it opened: close them first (try-with-resources does, in reverse
 * order); {@link #close()} closes any still open, since destroying an instance under a live device is
 * undefined behaviour. With {@link Config#validation()} the Khronos validation layer is enabled when
 * installed, its messages go to the {@code System.Logger} of this class, and
 * {@link #validationErrorCount()} counts the errors so tests can assert there were none. Opening and
 * closing devices is thread-safe.
 */
public final class VulkanInstance implements AutoCloseable {
    /** System property that turns on the validation layer in {@link Config#defaults()}. */
    public static final String VALIDATION_PROPERTY = "lumen.vulkan.validation";

    private static final System.Logger LOG = System.getLogger(VulkanInstance.class.getName());
    private static final String VALIDATION_LAYER = "VK_LAYER_KHRONOS_validation";
    private static final Object LOADER_LOCK = new Object();

    /**
     * How to create the instance.
     *
     * @param applicationName reported to the driver (some drivers apply per-application workarounds)
     * @param validation      enable {@code VK_LAYER_KHRONOS_validation} if it is installed
     */
    public record Config(String applicationName, boolean validation) {
        /** Application {@code lumen}, validation from the system property {@value #VALIDATION_PROPERTY}. */
        public static Config defaults() {
            return new Config("lumen", Boolean.getBoolean(VALIDATION_PROPERTY));
        }
    }

    private final VkInstance instance;
    private final int apiVersion;
    private final boolean validationEnabled;
    private final VkDebugUtilsMessengerCallbackEXT debugCallback;
    private final long debugMessenger;
    private final AtomicLong validationErrors = new AtomicLong();
    private final Set<VulkanDevice> openDevices = new LinkedHashSet<>();
    private List<Candidate> candidates;
    private boolean closed;

    /** A physical device as enumerated, with its position in enumeration order. */
    record Candidate(int index, VkPhysicalDevice handle, DeviceCapabilities capabilities) {
    }

    private VulkanInstance(Config config) {
        ensureLoader();
        int loaderVersion = VK.getInstanceVersionSupported();
        if (Integer.compareUnsigned(loaderVersion, VK_API_VERSION_1_2) < 0) {
            throw new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                    "The Vulkan loader supports only Vulkan " + VK_API_VERSION_MAJOR(loaderVersion) + "."
                            + VK_API_VERSION_MINOR(loaderVersion) + "; Lumen needs 1.2 or newer"));
        }
        // Requesting 1.3 is valid on a 1.2 loader (apiVersion is the highest version the application
        // uses); each device is then used at min(1.3, its own version).
        this.apiVersion = VK_API_VERSION_1_3;

        try (MemoryStack stack = MemoryStack.stackPush()) {
            Set<String> availableExtensions = instanceExtensions(stack);
            boolean wantValidation = config.validation();
            boolean layerPresent = wantValidation && instanceLayers(stack).contains(VALIDATION_LAYER);
            boolean debugUtils = layerPresent && availableExtensions.contains(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
            if (wantValidation && !layerPresent) {
                LOG.log(Level.WARNING, "Vulkan validation requested but " + VALIDATION_LAYER
                        + " is not installed (apt-get install -y vulkan-validationlayers); continuing without it");
            }

            List<String> extensions = new ArrayList<>();
            int flags = 0;
            if (debugUtils) {
                extensions.add(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
            }
            // Lets MoltenVK and other non-conformant (portability) implementations be enumerated at all.
            if (availableExtensions.contains(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
                extensions.add(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
                flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
            }

            VkApplicationInfo app = VkApplicationInfo.calloc(stack)
                    .sType$Default()
                    .pApplicationName(stack.UTF8(config.applicationName()))
                    .applicationVersion(VK_MAKE_API_VERSION(0, 0, 1, 0))
                    .pEngineName(stack.UTF8("Lumen"))
                    .engineVersion(VK_MAKE_API_VERSION(0, 0, 1, 0))
                    .apiVersion(apiVersion);
            PointerBuffer extensionNames = stack.mallocPointer(extensions.size());
            extensions.forEach(e -> extensionNames.put(stack.UTF8(e)));
            extensionNames.flip();
            PointerBuffer layerNames = null;
            if (layerPresent) {
                layerNames = stack.pointers(stack.UTF8(VALIDATION_LAYER));
            }
            VkInstanceCreateInfo createInfo = VkInstanceCreateInfo.calloc(stack)
                    .sType$Default()
                    .flags(flags)
                    .pApplicationInfo(app)
                    .ppEnabledExtensionNames(extensionNames)
                    .ppEnabledLayerNames(layerNames);

            VkDebugUtilsMessengerCallbackEXT callback = null;
            VkDebugUtilsMessengerCreateInfoEXT messengerInfo = null;
            if (debugUtils) {
                callback = VkDebugUtilsMessengerCallbackEXT.create(this::onDebugMessage);
                messengerInfo = VkDebugUtilsMessengerCreateInfoEXT.calloc(stack)
                        .sType$Default()
                        .messageSeverity(VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT
                                | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
                        .messageType(VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
                                | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
                                | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT)
                        .pfnUserCallback(callback);
                // Chained into instance creation too, so vkCreateInstance/vkDestroyInstance are validated.
                createInfo.pNext(messengerInfo.address());
            }

            PointerBuffer pInstance = stack.mallocPointer(1);
            int result = vkCreateInstance(createInfo, null, pInstance);
            if (result != VK_SUCCESS) {
                if (callback != null) {
                    callback.free();
                }
                if (result == VK_ERROR_INCOMPATIBLE_DRIVER || result == VK_ERROR_INITIALIZATION_FAILED) {
                    throw new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                            "vkCreateInstance failed with " + VkResults.describe(result)
                                    + ": no Vulkan 1.2 driver (ICD) is installed"), "vkCreateInstance", result);
                }
                throw VulkanException.forResult("vkCreateInstance", result, null);
            }
            this.instance = new VkInstance(pInstance.get(0), createInfo);

            long messenger = NULL;
            if (debugUtils) {
                var pMessenger = stack.mallocLong(1);
                int r = vkCreateDebugUtilsMessengerEXT(instance, messengerInfo, null, pMessenger);
                if (r != VK_SUCCESS) {
                    vkDestroyInstance(instance, null);
                    callback.free();
                    throw VulkanException.forResult("vkCreateDebugUtilsMessengerEXT", r, null);
                }
                messenger = pMessenger.get(0);
            }
            this.debugCallback = callback;
            this.debugMessenger = messenger;
            this.validationEnabled = layerPresent;
        }
    }

    /** Creates an instance with {@link Config#defaults()}. */
    public static VulkanInstance create() {
        return create(Config.defaults());
    }

    /**
     * Creates an instance.
     *
     * @throws VulkanUnavailableException if the loader or a Vulkan 1.2 driver is missing
     */
    public static VulkanInstance create(Config config) {
        return new VulkanInstance(config);
    }

    public VkInstance handle() {
        checkOpen();
        return instance;
    }

    /** The API version requested from the loader ({@code VK_API_VERSION_1_3}); devices use the minimum of this and their own. */
    public int apiVersion() {
        return apiVersion;
    }

    public boolean validationEnabled() {
        return validationEnabled;
    }

    /** Number of error-severity messages the validation layer has reported; always 0 without validation. */
    public long validationErrorCount() {
        return validationErrors.get();
    }

    /** The capabilities of every physical device, in enumeration order (the order {@link DeviceSelector.ByIndex} uses). */
    public synchronized List<DeviceCapabilities> physicalDevices() {
        return candidates().stream().map(Candidate::capabilities).toList();
    }

    /** Opens the device named by the system property {@value DeviceSelector#PROPERTY}, or the best one. */
    public VulkanDevice openDevice() {
        return openDevice(DeviceSelector.fromSystemProperty());
    }

    /**
     * Opens the device {@code selector} picks.
     *
     * @throws VulkanUnavailableException if there is no device, none suitable, or none matching the selector
     */
    public synchronized VulkanDevice openDevice(DeviceSelector selector) {
        checkOpen();
        Candidate chosen = select(selector);
        VulkanDevice device = new VulkanDevice(this, chosen.handle(), chosen.capabilities());
        openDevices.add(device);
        LOG.log(Level.DEBUG, () -> "Opened Vulkan device " + chosen.index() + " (selector " + selector + "):\n"
                + chosen.capabilities().summary());
        return device;
    }

    synchronized void deviceClosed(VulkanDevice device) {
        openDevices.remove(device);
    }

    @Override
    public void close() {
        List<VulkanDevice> leftOpen;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            leftOpen = new ArrayList<>(openDevices);
        }
        if (!leftOpen.isEmpty()) {
            LOG.log(Level.WARNING, leftOpen.size() + " Vulkan device(s) still open when the instance was closed;"
                    + " closing them first");
            // Reverse opening order, as try-with-resources would have.
            for (int i = leftOpen.size() - 1; i >= 0; i--) {
                leftOpen.get(i).close();
            }
        }
        if (debugMessenger != NULL) {
            vkDestroyDebugUtilsMessengerEXT(instance, debugMessenger, null);
        }
        vkDestroyInstance(instance, null);
        // The callback is referenced by the instance's chained messenger info until vkDestroyInstance returns.
        if (debugCallback != null) {
            debugCallback.free();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("VulkanInstance is closed");
        }
    }

    private List<Candidate> candidates() {
        if (candidates == null) {
            candidates = enumerate();
        }
        return candidates;
    }

    private List<Candidate> enumerate() {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var count = stack.mallocInt(1);
            int result = vkEnumeratePhysicalDevices(instance, count, null);
            if (result == VK_ERROR_INITIALIZATION_FAILED) {
                throw new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                        "vkEnumeratePhysicalDevices failed with " + VkResults.describe(result)
                                + ": no usable Vulkan driver (ICD) is installed"), "vkEnumeratePhysicalDevices", result);
            }
            VkResults.check(result, "vkEnumeratePhysicalDevices");
            PointerBuffer handles = stack.mallocPointer(count.get(0));
            result = vkEnumeratePhysicalDevices(instance, count, handles);
            // VK_INCOMPLETE only if a device vanished between the calls; the ones returned are valid.
            if (result != VK_INCOMPLETE) {
                VkResults.check(result, "vkEnumeratePhysicalDevices");
            }
            List<Candidate> list = new ArrayList<>();
            for (int i = 0; i < count.get(0); i++) {
                VkPhysicalDevice pd = new VkPhysicalDevice(handles.get(i), instance);
                list.add(new Candidate(i, pd, DeviceCapabilities.query(pd, apiVersion)));
            }
            return List.copyOf(list);
        }
    }

    private Candidate select(DeviceSelector selector) {
        List<Candidate> all = candidates();
        if (all.isEmpty()) {
            throw new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                    "The Vulkan loader found no physical device: no Vulkan driver (ICD) is installed"));
        }
        Candidate chosen = switch (selector) {
            case DeviceSelector.Automatic auto -> all.stream()
                    .filter(c -> c.capabilities().unsuitableReason().isEmpty())
                    .min(Comparator.comparingInt(c -> c.capabilities().type().ordinal()))
                    .orElseThrow(() -> new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                            "No suitable Vulkan device; found " + describe(all))));
            case DeviceSelector.ByIndex byIndex -> {
                if (byIndex.index() >= all.size()) {
                    throw new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                            "No Vulkan device at index " + byIndex.index() + " (" + DeviceSelector.PROPERTY
                                    + "); available: " + describe(all)));
                }
                yield all.get(byIndex.index());
            }
            case DeviceSelector.ByName byName -> all.stream()
                    .filter(c -> byName.matches(c.capabilities().name()))
                    .findFirst()
                    .orElseThrow(() -> new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                            "No Vulkan device whose name contains '" + byName.substring() + "' ("
                                    + DeviceSelector.PROPERTY + "); available: " + describe(all))));
        };
        chosen.capabilities().unsuitableReason().ifPresent(reason -> {
            throw new VulkanUnavailableException("Vulkan device " + chosen.index() + " '"
                    + chosen.capabilities().name() + "' chosen by " + selector + " cannot be used: it " + reason);
        });
        return chosen;
    }

    private static String describe(List<Candidate> all) {
        return all.stream()
                .map(c -> c.index() + ": " + c.capabilities().name() + " (" + c.capabilities().type()
                        + c.capabilities().unsuitableReason().map(r -> ", unsuitable: " + r).orElse("") + ")")
                .collect(Collectors.joining("; ", "[", "]"));
    }

    private int onDebugMessage(int severity, int types, long pCallbackData, long pUserData) {
        VkDebugUtilsMessengerCallbackDataEXT data = VkDebugUtilsMessengerCallbackDataEXT.create(pCallbackData);
        String message = "[vulkan] " + data.pMessageString();
        if ((severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) != 0) {
            validationErrors.incrementAndGet();
            LOG.log(Level.ERROR, message);
        } else {
            LOG.log(Level.WARNING, message);
        }
        // VK_FALSE: the spec reserves VK_TRUE (abort the call) for layer development.
        return VK_FALSE;
    }

    private static Set<String> instanceExtensions(MemoryStack stack) {
        var count = stack.mallocInt(1);
        VkResults.check(vkEnumerateInstanceExtensionProperties((String) null, count, null),
                "vkEnumerateInstanceExtensionProperties");
        Set<String> names = new HashSet<>();
        try (VkExtensionProperties.Buffer props = VkExtensionProperties.calloc(count.get(0))) {
            VkResults.check(vkEnumerateInstanceExtensionProperties((String) null, count, props),
                    "vkEnumerateInstanceExtensionProperties");
            for (int i = 0; i < count.get(0); i++) {
                names.add(props.get(i).extensionNameString());
            }
        }
        return names;
    }

    private static Set<String> instanceLayers(MemoryStack stack) {
        var count = stack.mallocInt(1);
        VkResults.check(vkEnumerateInstanceLayerProperties(count, null), "vkEnumerateInstanceLayerProperties");
        Set<String> names = new HashSet<>();
        try (VkLayerProperties.Buffer props = VkLayerProperties.calloc(count.get(0))) {
            VkResults.check(vkEnumerateInstanceLayerProperties(count, props), "vkEnumerateInstanceLayerProperties");
            for (int i = 0; i < count.get(0); i++) {
                names.add(props.get(i).layerNameString());
            }
        }
        return names;
    }

    /**
     * Loads the Vulkan loader once per JVM. LWJGL's {@code VK} normally loads it in a static
     * initializer, where a missing library becomes an opaque {@code ExceptionInInitializerError} and
     * poisons the class for good; explicit initialisation turns it into a catchable, retryable failure.
     */
    private static void ensureLoader() {
        synchronized (LOADER_LOCK) {
            Configuration.VULKAN_EXPLICIT_INIT.set(true);
            try {
                VK.getFunctionProvider();
                return;
            } catch (IllegalStateException notLoadedYet) {
                // Expected on first use: fall through and load it.
            } catch (LinkageError brokenByEarlierInit) {
                throw loaderMissing(brokenByEarlierInit);
            }
            try {
                VK.create();
            } catch (RuntimeException | LinkageError e) {
                throw loaderMissing(e);
            }
        }
    }

    private static VulkanUnavailableException loaderMissing(Throwable cause) {
        return new VulkanUnavailableException(VulkanUnavailableException.withInstallHint(
                "The Vulkan loader library (libvulkan.so.1) could not be loaded: " + cause), cause);
    }
}
