package dev.lumen.engine.vulkan;

import static org.lwjgl.system.MemoryUtil.memPutAddress;

/**
 * Appends structures to a Vulkan {@code pNext} chain by address. LWJGL's typed {@code pNext} setters
 * prepend, which reverses the order and makes conditional chains hard to read; this keeps the order
 * in which structures are added.
 */
final class PNextChain {
    private long tail;
    private int tailPNextOffset;

    /** Starts a chain at the struct at {@code head}, whose {@code pNext} field is at {@code pNextOffset}. */
    PNextChain(long head, int pNextOffset) {
        this.tail = head;
        this.tailPNextOffset = pNextOffset;
    }

    /** Links the struct at {@code struct} after the current tail; its own {@code pNext} must be null. */
    PNextChain append(long struct, int pNextOffset) {
        memPutAddress(tail + tailPNextOffset, struct);
        tail = struct;
        tailPNextOffset = pNextOffset;
        return this;
    }
}
