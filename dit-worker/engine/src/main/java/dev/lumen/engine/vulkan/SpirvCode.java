package dev.lumen.engine.vulkan;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A compiled SPIR-V module: the shader's name (for messages) and its code bytes, a whole number of
 * little-endian 32-bit words starting with the SPIR-V magic number. Produced by {@link ShaderCompiler}
 * and consumed by {@link ComputeKernel}. The array is copied in and out, so instances are immutable.
 */
public record SpirvCode(String name, byte[] code) {
    static final int MAGIC = 0x07230203;

    public SpirvCode {
        Objects.requireNonNull(name, "name");
        code = code.clone();
        if (!isValid(code)) {
            throw new IllegalArgumentException("'" + name + "' is not a SPIR-V module (" + code.length + " bytes)");
        }
    }

    @Override
    public byte[] code() {
        return code.clone();
    }

    public int sizeInBytes() {
        return code.length;
    }

    /** Whether {@code bytes} looks like a SPIR-V module: a header of at least five words, starting with the magic. */
    static boolean isValid(byte[] bytes) {
        return bytes.length >= 20 && bytes.length % 4 == 0
                && ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
    }

    /** Copies the code into {@code target} (direct, at least {@link #sizeInBytes()} remaining) without moving its position. */
    void copyTo(ByteBuffer target) {
        target.duplicate().put(code);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpirvCode other && name.equals(other.name) && Arrays.equals(code, other.code);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(code);
    }

    @Override
    public String toString() {
        return "SpirvCode[" + name + ", " + code.length + " bytes]";
    }
}
