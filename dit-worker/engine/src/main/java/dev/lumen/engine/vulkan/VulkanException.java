package dev.lumen.engine.vulkan;

import java.util.OptionalInt;

/**
 * A Vulkan call, or a step of the Vulkan backend built on such calls, that failed. When the failure
 * comes from a {@code VkResult} the message names the function and the result code (for example
 * {@code vkCreateDevice failed: VK_ERROR_FEATURE_NOT_PRESENT (-8)}) and {@link #result()} carries
 * the raw code, so callers can tell device loss or memory exhaustion apart from programming errors.
 */
public class VulkanException extends RuntimeException {
    private final String function;
    private final Integer result;

    public VulkanException(String message) {
        this(message, null, null, null);
    }

    public VulkanException(String message, Throwable cause) {
        this(message, null, null, cause);
    }

    protected VulkanException(String message, String function, Integer result, Throwable cause) {
        super(message, cause);
        this.function = function;
        this.result = result;
    }

    /** Builds the exception for a call that returned {@code result}; see {@link VkResults#check}. */
    static VulkanException forResult(String function, int result, String context) {
        String message = function + " failed: " + VkResults.describe(result)
                + (context == null || context.isEmpty() ? "" : " (" + context + ")");
        return new VulkanException(message, function, result, null);
    }

    /** The Vulkan function that failed, or {@code null} when the failure is not a single call. */
    public String function() {
        return function;
    }

    /** The {@code VkResult} returned by {@link #function()}, when there is one. */
    public OptionalInt result() {
        return result == null ? OptionalInt.empty() : OptionalInt.of(result);
    }
}
