package dev.lumen.engine.vulkan;

import java.util.Locale;

/**
 * Whether {@link VulkanOps} multiplies linear layers with fp16 weights on cooperative matrices
 * ({@code gemm_coopmat.comp}, tensor cores on NVIDIA) or with the fp32 tiled kernel
 * ({@code gemm.comp}). The cooperative-matrix kernel rounds activations to fp16 (fp32 sums), so
 * {@code off} is also the way to get fp32-activation results on such a device, and to A/B the two.
 * Read from the system property {@value #PROPERTY}, else the environment variable {@value #ENV},
 * else {@link #AUTO}.
 */
public enum CoopMatMode {
    /** Never: every product takes gemm.comp. */
    OFF,
    /** Every eligible product (fp16 weight) whatever its size; the device must support the kernel. */
    ON,
    /**
     * Eligible products large enough to fill the cooperative matrix tiles, on a GPU that supports
     * it. Not on CPU devices (lavapipe from Mesa 26 has the extension): they emulate the matrices
     * in ordinary vector lanes, so fp16 activations would cost precision for no hardware to gain.
     */
    AUTO;

    /** System property selecting the mode: off, on or auto. */
    public static final String PROPERTY = "lumen.vulkan.coopmat";
    /** Environment variable selecting the mode when the property is not set. */
    public static final String ENV = "LUMEN_VK_COOPMAT";

    /** The mode from {@value #PROPERTY} or {@value #ENV}; {@link #AUTO} when neither is set. */
    public static CoopMatMode fromEnvironment() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return parse(property, "system property " + PROPERTY);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return parse(env, "environment variable " + ENV);
        }
        return AUTO;
    }

    /**
     * Parses off, on or auto (any case).
     *
     * @param source where the value came from, for the error message
     * @throws IllegalArgumentException naming the source and the value otherwise
     */
    public static CoopMatMode parse(String value, String source) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "on" -> ON;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException(source + " is '" + value + "'; expected off, on or auto");
        };
    }
}
