package dev.lumen.engine.format;

/**
 * Element types the engine reads and writes in safetensors files. Published PixArt checkpoints
 * hold F32 (the 1024-MS transformer and T5 shards), F16 (the fp16 variants) or BF16 tensors; weights
 * stay in their stored type in memory and are widened to fp32 per tile while computing.
 */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The safetensors header spelling ("F32", "F16", "BF16"); null for types the engine does not support. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> null;
        };
    }

    /** Widens one stored bf16 value (its 16 raw bits) to float: bf16 is the top half of an fp32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds a float to bf16 with round-to-nearest-even, as PyTorch does; NaN stays NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
