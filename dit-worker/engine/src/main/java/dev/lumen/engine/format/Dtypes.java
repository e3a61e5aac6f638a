package dev.lumen.engine.format;

import java.lang.foreign.MemorySegment;

/** Conversions between stored dtypes and float32. */
public final class Dtypes {
    private Dtypes() {
    }

    /** Widens {@code count} elements starting at element {@code from} of a stored tensor into {@code out}. */
    public static void widen(MemorySegment src, DType dtype, long from, float[] out, int outOffset, int count) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, TensorSource.F32_LE, from * 4, out, outOffset, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + i] = DType.bf16ToFloat(src.get(TensorSource.I16_LE, (from + i) * 2));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + i] = Float.float16ToFloat(src.get(TensorSource.I16_LE, (from + i) * 2));
                }
            }
        }
    }

    /** Narrows floats to a stored dtype (round to nearest even), writing little-endian bytes at element {@code to}. */
    public static void narrow(float[] in, int inOffset, int count, DType dtype, MemorySegment dst, long to) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(in, inOffset, dst, TensorSource.F32_LE, to * 4, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(TensorSource.I16_LE, (to + i) * 2, DType.floatToBf16(in[inOffset + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(TensorSource.I16_LE, (to + i) * 2, Float.floatToFloat16(in[inOffset + i]));
                }
            }
        }
    }
}
