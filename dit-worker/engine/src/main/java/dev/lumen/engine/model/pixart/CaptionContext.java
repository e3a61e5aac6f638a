package dev.lumen.engine.model.pixart;

import dev.lumen.engine.tensor.Tensor;

/**
 * Everything the transformer derives from the captions alone, computed once per prompt batch and
 * reused at every denoising step: the cross-attention keys and values of every block and the
 * additive key mask ({@code (1 − mask)·−10000}, as diffusers builds it).
 */
public record CaptionContext(int batch, int tokens, Tensor[] keys, Tensor[] values, Tensor keyBias) {
}
