package dev.lumen.engine.ops;

import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.tensor.Tensor;

/**
 * The operations the PixArt, T5 and VAE models are written against, once. A backend (CPU
 * reference, Vulkan) implements each on its own tensors; model code never looks inside a tensor.
 *
 * <p>Conventions: activations are float32 (a backend may store them narrower where documented);
 * weights keep their stored dtype and are widened while computing. Linear weights follow PyTorch
 * ({@code [out, in]}, {@code y = x·Wᵀ + b}); images are NCHW; token tensors are
 * {@code [batch, tokens, channels]}. Every operation returns a new tensor and leaves its inputs
 * unchanged unless its name says otherwise.
 */
public interface Ops extends AutoCloseable {

    /** Short backend name ("cpu", "vulkan") for logs and benchmark tables. */
    String name();

    // ---- data movement --------------------------------------------------------------------

    /** A weight tensor read from a checkpoint, kept in its stored dtype (no fp32 copy of large weights). */
    Tensor weight(TensorSource source, String name);

    /** Uploads float32 host values with the given shape. */
    Tensor fromHost(float[] values, int... shape);

    /** Copies a tensor's values to a new float32 host array (row-major). */
    float[] toHost(Tensor t);

    /** The same data seen with another shape of equal size (no copy). */
    Tensor reshape(Tensor t, int... shape);

    /** Rows {@code ids[i]} of an embedding table {@code [vocab, D]} → {@code [ids.length, D]}. */
    Tensor embedding(Tensor table, int[] ids);

    /** Concatenates tensors of equal trailing shape along dimension 0. */
    Tensor concat0(Tensor... parts);

    // ---- linear algebra --------------------------------------------------------------------

    /** {@code x[..., K] · Wᵀ + b} with {@code W [N, K]} and optional bias {@code [N]} → {@code [..., N]}. */
    Tensor linear(Tensor x, Tensor weight, Tensor bias);

    /**
     * Multi-head attention {@code softmax(scale·Q·Kᵀ + bias)·V}, without materialising all scores at
     * once. {@code q [B, Sq, H·d]}, {@code k, v [B, Sk, H·d]} → {@code [B, Sq, H·d]}; head {@code h}
     * uses channels {@code [h·d, (h+1)·d)}. {@code keyBias [B, Sk]} (nullable) is added to every
     * query's scores (masks); {@code headBias [H, Sq, Sk]} (nullable) is shared by the batch (T5's
     * relative positions).
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyBias, Tensor headBias);

    // ---- token rows (regional attention) -----------------------------------------------------

    /**
     * Uploads a list of non-negative int32 values (token orders, key ranges) that the operations
     * below take as their index arguments. The result is only an index: other operations reject it.
     * Models build such lists once per job and reuse them at every step.
     */
    Tensor indices(int[] values);

    /**
     * Rows of selected tokens: {@code out[b, i, :] = x[batchFrom + b, tokens[i], :]} for
     * {@code x [B, N, D]}, {@code b < batchCount} → {@code [batchCount, tokens.length, D]}.
     * {@code tokens} comes from {@link #indices}; every value must be below N.
     */
    Tensor gatherTokens(Tensor x, int batchFrom, int batchCount, Tensor tokens);

    /**
     * In place, for {@code b < y.dim(0)} and every token i of {@code x [B, N, D]}:
     * {@code x[batchFrom + b, i, :] = keep·x[batchFrom + b, i, :] + (1 − keep)·y[b, tokens[i], :]}.
     * With {@code tokens} the inverse of a {@link #gatherTokens} order this blends a result computed
     * in that order back into the original one; rows outside {@code [batchFrom, batchFrom + y.dim(0))}
     * are untouched.
     */
    void blendTokensInPlace(Tensor x, int batchFrom, float keep, Tensor y, Tensor tokens);

    /**
     * Multi-head attention in which query i (of every batch row) sees only the keys
     * {@code [keyRanges[2i], keyRanges[2i+1])}: {@code softmax(scale·q·kᵀ)·v} over that range.
     * {@code q [B, Sq, H·d]}, {@code k, v [B or 1, Sk, H·d]} (batch 1: shared by every query row)
     * → {@code [B, Sq, H·d]}. Each range must be non-empty and lie within {@code [0, Sk)}. A
     * block-diagonal attention (each token sees its own segment) is the case where consecutive
     * queries share a range; backends may rely on queries with nearby ranges being adjacent for
     * speed, never for correctness.
     */
    Tensor rangedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyRanges);

    // ---- normalisation -----------------------------------------------------------------------

    /** LayerNorm over the last dimension without affine parameters (biased variance). */
    Tensor layerNorm(Tensor x, float eps);

    /**
     * adaLN: {@code LN(x)·(1 + scale) + shift} where shift and scale are rows {@code shiftRow} and
     * {@code scaleRow} of {@code mod [B, R, D]}, broadcast over the tokens of {@code x [B, N, D]}.
     */
    Tensor layerNormModulate(Tensor x, Tensor mod, int shiftRow, int scaleRow, float eps);

    /** T5's RMS norm: {@code w ⊙ x / sqrt(mean(x²) + eps)} over the last dimension. */
    Tensor rmsNorm(Tensor x, Tensor weight, float eps);

    /** GroupNorm of {@code x [B, C, H, W]} with affine {@code weight, bias [C]}. */
    Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps);

    // ---- element-wise ------------------------------------------------------------------------

    Tensor geluTanh(Tensor x);

    Tensor silu(Tensor x);

    /** {@code a + b} with NumPy broadcasting. */
    Tensor add(Tensor a, Tensor b);

    /** {@code a ⊙ b} with NumPy broadcasting. */
    Tensor mul(Tensor a, Tensor b);

    /** In place: {@code x += mod[b, gateRow, :] ⊙ y} for {@code x, y [B, N, D]}, {@code mod [B, R, D]}. */
    void addGatedInPlace(Tensor x, Tensor mod, int gateRow, Tensor y);

    /** In place: {@code x += y} (same shape). */
    void addInPlace(Tensor x, Tensor y);

    // ---- images --------------------------------------------------------------------------------

    /** 2-D convolution (cross-correlation) of {@code x [B, C, H, W]} with {@code w [O, C, kh, kw]}, zero padding. */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding);

    /** Nearest-neighbour ×2 upsampling of {@code [B, C, H, W]}. */
    Tensor upsampleNearest2x(Tensor x);

    /** {@code [B, C, H, W]} → {@code [B, H·W, C]} (image to tokens). */
    Tensor imageToTokens(Tensor x);

    /** {@code [B, H·W, C]} → {@code [B, C, H, W]} (tokens to image). */
    Tensor tokensToImage(Tensor x, int height, int width);

    /**
     * PixArt's unpatchify: {@code [B, h·w, p·p·C]} with channel order (row-in-patch, col-in-patch,
     * channel) → {@code [B, C, h·p, w·p]}.
     */
    Tensor unpatchify(Tensor x, int h, int w, int patch, int channels);

    // ---- token grid (token density) ---------------------------------------------------------

    /**
     * Pools the image tokens {@code x [B, height·width, D]} (a row-major grid) over square cells of
     * {@code cell × cell} tokens → {@code [B, ⌈height/cell⌉·⌈width/cell⌉, D]}, cells row-major. Where
     * {@code cell} does not divide the grid, the last row and column of cells are smaller and
     * {@link TokenPooling#AVG} averages only the tokens they hold. A cell covering the whole grid
     * gives the mean token.
     */
    Tensor poolTokens(Tensor x, int height, int width, int cell, TokenPooling mode);

    /**
     * The layout inverse of {@link #poolTokens}: {@code x [B, ⌈height/cell⌉·⌈width/cell⌉, D]} →
     * {@code [B, height·width, D]}, every token taking the row of the cell it lies in (nearest
     * upsampling on the grid).
     */
    Tensor upsampleTokens(Tensor x, int height, int width, int cell);

    /**
     * Local attention plus pooled keys on a {@code height × width} token grid: the query at grid
     * position (i, j) of {@code q [B, N, H·d]} attends to the keys and values {@code k, v [B, N, H·d]}
     * of its own {@code window × window} tile (tiles laid row-major from the top-left corner; edge
     * tiles hold only the tokens on the grid) and to every pooled key and value
     * {@code pooledK, pooledV [B, Nc, H·d]} (the cells of {@link #poolTokens} with {@code cell}),
     * whose scores get {@code + ln(tokens in the cell)} so that one pooled key weighs as much as the
     * keys it averages. Scores are {@code scale·q·k}; one softmax runs over both sets → {@code [B, N, H·d]}.
     */
    Tensor localPooledAttention(Tensor q, Tensor k, Tensor v, Tensor pooledK, Tensor pooledV, int heads, float scale,
                                int height, int width, int window, int cell);

    // ---- memory lifetime ---------------------------------------------------------------------

    /**
     * Opens a scope for the tensors this backend creates from now on: closing it releases every
     * tensor created while it was the innermost open scope, except those passed to
     * {@link Scope#keep}. Scopes nest and must be closed in reverse order of opening (use
     * try-with-resources). Weights ({@link #weight}) never belong to a scope; they live as long as
     * the backend. Tensors created outside any scope live until they are closed or the backend is.
     * Backends whose memory is garbage-collected (the CPU backend) return {@link Scope#NONE}, for
     * which every call is a no-op, so model code can use scopes without caring which backend runs it.
     */
    default Scope scope() {
        return Scope.NONE;
    }

    /** The release-on-close region opened by {@link Ops#scope()}. */
    interface Scope extends AutoCloseable {
        /** A scope that releases nothing: what garbage-collected backends return. */
        Scope NONE = new Scope() {
            @Override
            public <T extends Tensor> T keep(T tensor) {
                return tensor;
            }

            @Override
            public void close() {
            }
        };

        /**
         * Hands {@code tensor} (created in this scope) to the enclosing scope, or to the caller if
         * this is the outermost one, so it survives this scope's close; returns it for chaining.
         */
        <T extends Tensor> T keep(T tensor);

        /** Releases the tensors created in this scope and not kept. */
        @Override
        void close();
    }

    @Override
    default void close() {
    }
}
