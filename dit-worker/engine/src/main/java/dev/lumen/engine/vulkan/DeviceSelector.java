package dev.lumen.engine.vulkan;

import java.util.Locale;
import java.util.Objects;

/**
 * Which physical device {@link VulkanInstance#openDevice(DeviceSelector)} opens. {@link Automatic}
 * ranks suitable devices discrete GPU, integrated GPU, virtual GPU, CPU (lavapipe), other, keeping
 * enumeration order within a rank; {@link ByIndex} picks the device at a position in
 * {@code vkEnumeratePhysicalDevices} order; {@link ByName} picks the first device whose name contains
 * a substring, ignoring case. A selector that names a device that does not exist, or that exists but
 * is unsuitable, fails with {@link VulkanUnavailableException} rather than falling back silently. The
 * system property {@value #PROPERTY} ({@code auto}, an index such as {@code 1}, or a name substring
 * such as {@code llvmpipe}) gives the default, see {@link #fromSystemProperty()}.
 */
public sealed interface DeviceSelector {
    /** System property holding the default selector. */
    String PROPERTY = "lumen.vulkan.device";

    /** The best suitable device by type rank. */
    record Automatic() implements DeviceSelector {
        @Override
        public String toString() {
            return "auto";
        }
    }

    /** The device at {@code index} in enumeration order. */
    record ByIndex(int index) implements DeviceSelector {
        public ByIndex {
            if (index < 0) {
                throw new IllegalArgumentException("device index must be >= 0, got " + index);
            }
        }

        @Override
        public String toString() {
            return "index " + index;
        }
    }

    /** The first device whose name contains {@code substring}, ignoring case. */
    record ByName(String substring) implements DeviceSelector {
        public ByName {
            Objects.requireNonNull(substring, "substring");
            if (substring.isBlank()) {
                throw new IllegalArgumentException("device name substring must not be blank");
            }
        }

        boolean matches(String deviceName) {
            return deviceName.toLowerCase(Locale.ROOT).contains(substring.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return "name containing '" + substring + "'";
        }
    }

    static DeviceSelector automatic() {
        return new Automatic();
    }

    static DeviceSelector byIndex(int index) {
        return new ByIndex(index);
    }

    static DeviceSelector byName(String substring) {
        return new ByName(substring);
    }

    /**
     * Parses a selector: blank or {@code auto} is automatic, a non-negative integer is an index, any
     * other text is a name substring.
     */
    static DeviceSelector parse(String spec) {
        if (spec == null || spec.isBlank() || spec.strip().equalsIgnoreCase("auto")) {
            return automatic();
        }
        String s = spec.strip();
        if (s.chars().allMatch(Character::isDigit)) {
            try {
                return byIndex(Integer.parseInt(s));
            } catch (NumberFormatException tooLarge) {
                // Fall through: a digit string too long for an int can only be meant as a name.
            }
        }
        return byName(s);
    }

    /** The selector given by the system property {@value #PROPERTY}, automatic when it is unset. */
    static DeviceSelector fromSystemProperty() {
        return parse(System.getProperty(PROPERTY));
    }
}
