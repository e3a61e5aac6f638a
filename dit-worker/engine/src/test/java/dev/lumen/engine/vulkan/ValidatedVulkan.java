package dev.lumen.engine.vulkan;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Vulkan backend as the kernel tests open it: on the device {@link DeviceSelector#fromSystemProperty()}
 * picks, with the validation layer where installed (it catches binding and synchronisation mistakes
 * that happen to give right answers on one driver), and closed with a check that it reported nothing.
 */
final class ValidatedVulkan {
    private ValidatedVulkan() {
    }

    /** Opens the backend; {@code appName} names the test in the validation layer's messages. */
    static VulkanOps open(String appName) {
        return VulkanOps.open(DeviceSelector.fromSystemProperty(), new VulkanInstance.Config(appName, true));
    }

    /** Closes {@code vk} (null: nothing was opened) and fails if the validation layer reported errors. */
    static void close(VulkanOps vk) {
        if (vk != null) {
            long errors = vk.validationErrors();
            vk.close();
            assertThat(errors).as("Vulkan validation errors").isZero();
        }
    }
}
