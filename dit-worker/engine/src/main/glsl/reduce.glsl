// Workgroup-wide reductions through shared memory (a tree over a power-of-two workgroup size,
// which VulkanOps guarantees). Every invocation must call them (uniform control flow); each call
// returns the result to all invocations and leaves the scratch free for the next call.
shared float reduceScratch[gl_WorkGroupSize.x];

float workgroupSum(float v) {
    uint tid = gl_LocalInvocationIndex;
    barrier();
    reduceScratch[tid] = v;
    barrier();
    for (uint stride = gl_WorkGroupSize.x / 2u; stride > 0u; stride >>= 1) {
        if (tid < stride) {
            reduceScratch[tid] += reduceScratch[tid + stride];
        }
        barrier();
    }
    return reduceScratch[0];
}

float workgroupMax(float v) {
    uint tid = gl_LocalInvocationIndex;
    barrier();
    reduceScratch[tid] = v;
    barrier();
    for (uint stride = gl_WorkGroupSize.x / 2u; stride > 0u; stride >>= 1) {
        if (tid < stride) {
            reduceScratch[tid] = max(reduceScratch[tid], reduceScratch[tid + stride]);
        }
        barrier();
    }
    return reduceScratch[0];
}
