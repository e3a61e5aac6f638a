// Shared helpers of the VulkanOps kernels.
//
// Element types. Weights stay in their checkpoint dtype on the device, so every input that may be
// a weight is bound as a buffer of 32-bit words and decoded here; the dtype is a specialization
// constant of the kernel, so the selection folds away when the pipeline is created. Reading through
// uint words needs no 16-bit storage feature, so the same SPIR-V runs on every Vulkan 1.2 device.
// These values match VulkanOps.dtypeCode().
#define DT_F32 0u
#define DT_F16 1u
#define DT_BF16 2u

float widen16(uint word, uint odd, uint dtype) {
    uint bits = odd != 0u ? (word >> 16) : (word & 0xffffu);
    // bf16 is the top half of an fp32; fp16 needs a real conversion (denormals included).
    return dtype == DT_F16 ? unpackHalf2x16(bits).x : uintBitsToFloat(bits << 16);
}

// Element i of a word buffer holding elements of type dtype, widened to float.
#define LOAD_TYPED(buf, i, dtype) \
    ((dtype) == DT_F32 ? uintBitsToFloat(buf[(i)]) : widen16(buf[(i) >> 1], (i) & 1u, (dtype)))
