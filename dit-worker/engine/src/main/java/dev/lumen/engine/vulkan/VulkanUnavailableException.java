package dev.lumen.engine.vulkan;

/**
 * Vulkan cannot be used on this machine at all: the loader library is missing, no driver (ICD) is
 * installed, the loader is older than Vulkan 1.2, or no physical device is suitable or matches the
 * requested selector. Unlike a plain {@link VulkanException} this is an environment problem, not a
 * bug, so callers may catch it to fall back to the CPU backend; the message says what is missing and
 * how to install it.
 */
public class VulkanUnavailableException extends VulkanException {
    /** The command that installs the Vulkan loader and the Mesa drivers (lavapipe among them) on Debian/Ubuntu. */
    public static final String INSTALL_HINT = "apt-get install -y mesa-vulkan-drivers libvulkan1";

    public VulkanUnavailableException(String message) {
        super(message);
    }

    public VulkanUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    VulkanUnavailableException(String message, String function, int result) {
        super(message, function, result, null);
    }

    /** Appends the install hint to a description of what is missing. */
    static String withInstallHint(String whatIsMissing) {
        return whatIsMissing + ". To install the Vulkan loader and Mesa drivers (including the lavapipe CPU"
                + " device) on Debian/Ubuntu run: " + INSTALL_HINT;
    }
}
