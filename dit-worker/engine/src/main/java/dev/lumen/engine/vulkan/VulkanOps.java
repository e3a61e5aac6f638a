package dev.lumen.engine.vulkan;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.format.TensorInfo;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.IndexChecks;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.ops.TokenPooling;
import dev.lumen.engine.tensor.Shapes;
import dev.lumen.engine.tensor.Tensor;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Vulkan backend of {@link Ops}: every operation is a GLSL compute kernel (see
 * {@code src/main/glsl}) computing in fp32, with weights kept on the device in their checkpoint
 * dtype and widened inside the kernels.
 *
 * <p><b>Execution.</b> Operations are recorded into one pending {@link CommandBatch} and nothing
 * runs until a result is needed on the host: {@link #toHost} (or {@link #flush()}) submits the
 * batch and waits, so a whole transformer forward is a single submission. Uploads from the host
 * ({@link #fromHost}) go through a staging buffer and a copy recorded into the same batch.
 * Weights ({@link #weight}) are uploaded synchronously at load time.
 *
 * <p><b>Memory.</b> Activations come from a size-classed {@link BufferPool}. A tensor's memory is
 * handed back when it is closed, or when the {@link Ops.Scope} it was created in closes (see
 * {@link #scope()}); tensors created outside any scope and weights live until this backend is
 * closed. Host-visible staging buffers and destroyed weights referenced by the pending batch are
 * kept until that batch has completed.
 *
 * <p>Not thread-safe: one generation at a time per instance (as {@link Ops} requires). Closing
 * releases every buffer, kernel, the device and, when {@link #open} created it, the instance.
 */
public final class VulkanOps implements Ops {
    private static final System.Logger LOG = System.getLogger(VulkanOps.class.getName());
    /** Upper bound of elementwise workgroups: kernels stride over the rest (grid-stride loops). */
    private static final int MAX_STRIDED_GROUPS = 4096;
    /** Upper bound of one upload chunk of a weight, bounding the staging buffer. */
    private static final long UPLOAD_CHUNK = 64L << 20;
    /** Score elements of one chunk of the large-head attention path. */
    private static final long MAX_SCORE_ELEMENTS = 1L << 24;
    /** Dispatches timed per submission when profiling; a transformer forward has a few hundred. */
    private static final int MAX_TIMED_DISPATCHES = 8192;

    private final VulkanInstance instance; // null when the caller owns it
    private final VulkanDevice device;
    private final ShaderCompiler compiler;
    private final KernelTuning tuning;
    private final BufferPool pool;
    private final CommandBatch batch;
    private final GpuBuffer dummy;
    private final Map<String, SpirvCode> spirv = new HashMap<>();
    private final Map<String, ComputeKernel> kernels = new HashMap<>();
    private final Deque<TensorScope> scopes = new ArrayDeque<>();
    /** Storages not yet released, so close() can free what callers never closed. */
    private final Set<VulkanTensor.Storage> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Buffers the pending batch may still use; destroyed once it has completed. */
    private final List<GpuBuffer> afterSubmit = new ArrayList<>();
    private long submissions;
    private CoopMatMode coopMatMode;
    private boolean profiling;
    /** kernel name → {dispatches, nanoseconds}, accumulated while profiling. */
    private final Map<String, double[]> profile = new java.util.LinkedHashMap<>();
    private boolean closed;

    private VulkanOps(VulkanInstance ownedInstance, VulkanDevice device) {
        this.instance = ownedInstance;
        this.device = device;
        this.tuning = KernelTuning.forDevice(device.capabilities());
        // Checked before anything is allocated, so a bad setting leaves nothing to release.
        this.coopMatMode = checkCoopMatMode(CoopMatMode.fromEnvironment());
        this.compiler = new ShaderCompiler();
        this.pool = new BufferPool(device);
        this.batch = device.newBatch();
        // Bound where a kernel's optional input (bias, mask) is absent: bindings must name a buffer.
        this.dummy = GpuBuffer.create(device, 16, GpuBuffer.Location.DEVICE_LOCAL);
    }

    /** Opens the device chosen by the system property {@value DeviceSelector#PROPERTY} (default: best GPU). */
    public static VulkanOps open() {
        return open(DeviceSelector.fromSystemProperty());
    }

    /**
     * Creates a Vulkan instance and opens the selected device on it; both are owned by the result.
     *
     * @throws VulkanUnavailableException if there is no Vulkan loader, driver or matching device
     */
    public static VulkanOps open(DeviceSelector selector) {
        return open(selector, VulkanInstance.Config.defaults());
    }

    /** As {@link #open(DeviceSelector)}, with explicit instance settings (e.g. the validation layer for tests). */
    public static VulkanOps open(DeviceSelector selector, VulkanInstance.Config config) {
        VulkanInstance instance = VulkanInstance.create(config);
        try {
            VulkanDevice device = instance.openDevice(selector);
            try {
                return new VulkanOps(instance, device);
            } catch (RuntimeException e) {
                device.close();
                throw e;
            }
        } catch (RuntimeException e) {
            instance.close();
            throw e;
        }
    }

    /** A backend on a device the caller opened and keeps owning (it must outlive this backend). */
    public static VulkanOps on(VulkanDevice device) {
        return new VulkanOps(null, device);
    }

    @Override
    public String name() {
        return "vulkan";
    }

    public DeviceCapabilities capabilities() {
        return device.capabilities();
    }

    public VulkanDevice device() {
        return device;
    }

    /** How linear layers with fp16 weights choose between gemm_coopmat.comp and gemm.comp. */
    public CoopMatMode coopMatMode() {
        return coopMatMode;
    }

    /**
     * Sets how linear layers with fp16 weights choose between gemm_coopmat.comp and gemm.comp
     * (initially from {@link CoopMatMode#fromEnvironment()}); operations already recorded keep
     * their kernel.
     *
     * @throws IllegalStateException for {@link CoopMatMode#ON} on a device that cannot run the
     *                               cooperative-matrix kernel, with the reason
     */
    public void setCoopMatMode(CoopMatMode mode) {
        this.coopMatMode = checkCoopMatMode(mode);
    }

    private CoopMatMode checkCoopMatMode(CoopMatMode mode) {
        if (mode == CoopMatMode.ON && !tuning.hasCoopMat()) {
            throw new IllegalStateException("cooperative-matrix GEMM forced on (" + CoopMatMode.PROPERTY + " / "
                    + CoopMatMode.ENV + "), but " + coopMatUnsupportedReason().orElse("the device cannot run it"));
        }
        return mode;
    }

    /** Why this device cannot run the cooperative-matrix GEMM, or empty if it can. */
    public Optional<String> coopMatUnsupportedReason() {
        return KernelTuning.coopMatUnsupportedReason(device.capabilities());
    }

    /** Errors reported by the validation layer so far (0 when it is off); see {@link VulkanInstance.Config}. */
    public long validationErrors() {
        return device.instance().validationErrorCount();
    }

    /** How many command batches have been submitted so far (a forward pass should add one). */
    public long submissions() {
        return submissions;
    }

    /** How many device buffers the activation pool has had to create so far. */
    public long poolAllocations() {
        return pool.allocations();
    }

    /** Submits the pending operations and waits for them; buffers they held are then released. */
    public void flush() {
        checkOpen();
        if (!batch.isEmpty()) {
            batch.submitAndWait();
            submissions++;
            if (profiling) {
                for (CommandBatch.KernelTiming t : batch.takeTimings()) {
                    double[] acc = profile.computeIfAbsent(t.kernel(), k -> new double[2]);
                    acc[0]++;
                    acc[1] += t.nanos();
                }
            }
        }
        for (GpuBuffer b : afterSubmit) {
            b.close();
        }
        afterSubmit.clear();
    }

    /** GPU time spent in one kernel (all its variants) while profiling. */
    public record KernelProfile(String kernel, long dispatches, double millis) {
    }

    /**
     * Turns per-dispatch GPU timing on or off (timestamp queries around every dispatch, for a
     * {@code --profile} report). Pending work is flushed first. Timing adds a little overhead per
     * dispatch, so it is off by default.
     *
     * @throws UnsupportedOperationException if the device cannot write timestamps on its compute queue
     */
    public void setProfiling(boolean on) {
        flush();
        if (on && !profiling) {
            batch.enableTimestamps(MAX_TIMED_DISPATCHES);
        } else if (!on && profiling) {
            batch.disableTimestamps();
        }
        profiling = on;
    }

    /** The per-kernel GPU times accumulated since the last call (most expensive first), then resets them. */
    public List<KernelProfile> takeProfile() {
        flush();
        List<KernelProfile> out = new ArrayList<>();
        profile.forEach((k, v) -> out.add(new KernelProfile(k, (long) v[0], v[1] / 1e6)));
        out.sort((a, b) -> Double.compare(b.millis(), a.millis()));
        profile.clear();
        return out;
    }

    /** Frees the pool's idle buffers (after finishing pending work), e.g. between generations. */
    public void trimPool() {
        flush();
        pool.trim();
    }

    // ---- scopes and lifetime ----------------------------------------------------------------

    @Override
    public Scope scope() {
        checkOpen();
        TensorScope s = new TensorScope();
        scopes.push(s);
        return s;
    }

    /** Tensors created while this scope is innermost; released at close unless kept. */
    private final class TensorScope implements Scope {
        private final List<VulkanTensor> created = new ArrayList<>();
        private boolean open = true;

        @Override
        public <T extends Tensor> T keep(T tensor) {
            if (!open) {
                throw new IllegalStateException("keep() on a closed scope");
            }
            if (tensor instanceof VulkanTensor vt && created.remove(vt)) {
                adopt(vt, this);
            }
            // Tensors of an outer scope, weights and unscoped tensors already outlive this scope.
            return tensor;
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            if (scopes.peek() != this) {
                throw new IllegalStateException("Ops scopes must be closed in reverse order of opening");
            }
            open = false;
            scopes.pop();
            for (VulkanTensor t : created) {
                t.close();
            }
            created.clear();
        }
    }

    /** Registers a new tensor with the innermost scope below {@code except} (none: the caller owns it). */
    private void adopt(VulkanTensor t, TensorScope except) {
        boolean below = except == null;
        for (TensorScope s : scopes) { // innermost first
            if (below) {
                s.created.add(t);
                return;
            }
            below = s == except;
        }
    }

    void release(VulkanTensor t) {
        VulkanTensor.Storage s = t.storage;
        if (--s.references > 0 || closed) {
            return;
        }
        live.remove(s);
        if (s.pooled) {
            pool.release(s.buffer);
        } else if (batch.isEmpty()) {
            s.buffer.close();
        } else {
            afterSubmit.add(s.buffer);
        }
    }

    private VulkanTensor newTensor(VulkanTensor.Storage storage, int[] shape, DType dtype) {
        return newTensor(new VulkanTensor(this, storage, shape, dtype));
    }

    private VulkanTensor newTensor(VulkanTensor t) {
        live.add(t.storage);
        adopt(t, null);
        return t;
    }

    /** Kernels bind whole buffers: one larger than the device's storage-buffer range cannot be read. */
    private void checkBindable(long bytes, String what) {
        long max = device.capabilities().maxStorageBufferRange();
        if (bytes > max) {
            throw new VulkanException("tensor " + what + " needs " + bytes + " bytes, more than the "
                    + max + " bytes a storage buffer of device '" + device.capabilities().name() + "' can bind");
        }
    }

    /** A new fp32 activation from the pool, owned by the current scope. */
    private VulkanTensor allocate(int... shape) {
        long bytes = Math.max(4, Shapes.size(shape) * Float.BYTES);
        checkBindable(bytes, Arrays.toString(shape));
        return newTensor(new VulkanTensor.Storage(pool.acquire(bytes), true), shape, DType.F32);
    }

    // ---- data movement ----------------------------------------------------------------------

    @Override
    public Tensor weight(TensorSource source, String name) {
        checkOpen();
        TensorInfo info = source.info(name);
        MemorySegment data = source.data(name);
        long bytes = data.byteSize();
        checkBindable(bytes, name);
        // Kernels read 16-bit weights as 32-bit words: round up so the last word is in range.
        GpuBuffer buffer = GpuBuffer.create(device, Math.max(4, (bytes + 3) & ~3L), GpuBuffer.Location.DEVICE_LOCAL);
        try {
            for (long at = 0; at < bytes; at += UPLOAD_CHUNK) {
                long n = Math.min(UPLOAD_CHUNK, bytes - at);
                buffer.upload(data.asSlice(at, n).asByteBuffer(), at);
            }
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        VulkanTensor.Storage storage = new VulkanTensor.Storage(buffer, false);
        live.add(storage);
        // Weights belong to no scope: models load them once and use them for every step.
        return new VulkanTensor(this, storage, info.intShape(), info.dtype());
    }

    @Override
    public Tensor fromHost(float[] values, int... shape) {
        checkOpen();
        if (values.length != Shapes.size(shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Shapes.size(shape)
                    + " values, got " + values.length);
        }
        VulkanTensor t = allocate(shape);
        ByteBuffer bytes = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        bytes.asFloatBuffer().put(values);
        uploadRecorded(bytes, t.buffer());
        return t;
    }

    /** Copies host bytes into {@code target} through a staging buffer, as a command of the pending batch. */
    private void uploadRecorded(ByteBuffer bytes, GpuBuffer target) {
        if (!bytes.hasRemaining()) {
            return;
        }
        GpuBuffer staging = GpuBuffer.create(device, bytes.remaining(), GpuBuffer.Location.HOST_VISIBLE);
        afterSubmit.add(staging);
        staging.upload(bytes, 0);
        batch.copy(staging, 0, target, 0, bytes.remaining());
    }

    @Override
    public float[] toHost(Tensor t) {
        if (t instanceof VulkanTensor list && list.owner() == this && list.isIndexList()) {
            list.buffer(); // fails on a released list
            float[] out = new float[list.indexValues.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = list.indexValues[i];
            }
            return out;
        }
        VulkanTensor v = vk(t);
        int count = Math.toIntExact(v.size());
        float[] out = new float[count];
        long bytes = v.byteSize();
        if (bytes == 0) {
            return out;
        }
        try (GpuBuffer staging = GpuBuffer.create(device, bytes, GpuBuffer.Location.HOST_VISIBLE)) {
            batch.copy(v.buffer(), 0, staging, 0, bytes);
            flush();
            ByteBuffer host = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
            staging.download(0, host);
            switch (v.dtype) {
                case F32 -> host.asFloatBuffer().get(out);
                case F16 -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = Float.float16ToFloat(host.getShort(2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = DType.bf16ToFloat(host.getShort(2 * i));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Tensor reshape(Tensor t, int... shape) {
        VulkanTensor v = vk(t);
        if (Shapes.size(shape) != v.size()) {
            throw new IllegalArgumentException("reshape " + Tensor.describe(t) + " to " + Arrays.toString(shape)
                    + " changes the size");
        }
        v.buffer(); // fails on a released tensor
        if (!v.storage.pooled) {
            // A view of a weight is a weight: scope-free like its base.
            return new VulkanTensor(this, v.storage, shape, v.dtype);
        }
        return newTensor(v.storage, shape, v.dtype);
    }

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        VulkanTensor tab = vk(table);
        int[] ts = tab.shapeRef();
        int vocab = ts[0];
        int d = ts[1];
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " outside the embedding table of " + vocab + " rows");
            }
        }
        VulkanTensor out = allocate(ids.length, d);
        GpuBuffer idBuffer = pool.acquire(Math.max(4, ids.length * 4L));
        ByteBuffer bytes = ByteBuffer.allocateDirect(ids.length * 4).order(ByteOrder.nativeOrder());
        bytes.asIntBuffer().put(ids);
        uploadRecorded(bytes, idBuffer);
        int n = ids.length * d;
        dispatch(kernel("embedding", 3, 8, 0, tuning.elementwiseGroup(), 1, dtypeCode(tab.dtype)),
                stridedGroups(n), 1, 1, words(n, d), tab.buffer(), idBuffer, out.buffer());
        // Safe to recycle before the batch runs: see BufferPool on reuse within a batch.
        pool.release(idBuffer);
        return out;
    }

    @Override
    public Tensor concat0(Tensor... parts) {
        int[] shape = parts[0].shape();
        int total = 0;
        for (Tensor p : parts) {
            int[] s = p.shape();
            if (s.length != shape.length || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length),
                    Arrays.copyOfRange(shape, 1, shape.length))) {
                throw new IllegalArgumentException("concat0: trailing shapes differ " + Arrays.toString(s) + " vs "
                        + Arrays.toString(shape));
            }
            total += s[0];
        }
        shape[0] = total;
        VulkanTensor out = allocate(shape);
        long at = 0;
        for (Tensor p : parts) {
            VulkanTensor v = vk(p);
            int n = Math.toIntExact(v.size());
            if (v.dtype == DType.F32) {
                batch.copy(v.buffer(), 0, out.buffer(), at * Float.BYTES, n * (long) Float.BYTES);
            } else {
                gather(v, 0, out.buffer(), Math.toIntExact(at), new int[] {1, 1, 1, 1, 1, n}, new int[] {0, 0, 0, 0, 0, 1});
            }
            at += n;
        }
        return out;
    }

    // ---- linear algebra ---------------------------------------------------------------------

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        VulkanTensor in = activation(x, "linear input");
        VulkanTensor w = vk(weight);
        int[] xs = in.shapeRef();
        int[] ws = w.shapeRef();
        int k = Shapes.last(xs);
        if (ws.length != 2 || ws[1] != k) {
            throw new IllegalArgumentException("linear: input " + Arrays.toString(xs) + " does not fit weight " + weight);
        }
        int n = ws[0];
        VulkanTensor b = bias == null ? null : vk(bias);
        if (b != null && b.size() != n) {
            throw new IllegalArgumentException("linear: bias of " + b.size() + " for " + n + " outputs");
        }
        int m = Shapes.rows(xs);
        VulkanTensor out = allocate(Shapes.withLast(xs, n));
        gemm(in.buffer(), w.buffer(), w.dtype, true, b, out.buffer(), m, n, k, k, k, n, 1, 1, new int[9]);
        return out;
    }

    /**
     * Records {@code C = A·B (+ bias)} for {@code batches} products (see gemm.comp for the batch
     * addressing); {@code offsets} = aOff, aOuter, aInner, bOff, bOuter, bInner, cOff, cOuter, cInner.
     */
    private void gemm(GpuBuffer a, GpuBuffer b, DType bType, boolean bNK, VulkanTensor bias, GpuBuffer c,
                      int m, int n, int k, int lda, int ldb, int ldc, int batches, int batchInner, int[] offsets) {
        if (usesCoopMat(bType, bNK, m, n)) {
            gemmCoopMat(a, b, bias, c, m, n, k, lda, ldb, ldc, batches, batchInner, offsets);
            return;
        }
        KernelTuning.GemmTile tile = tuning.gemmTileFor(m, n);
        ComputeKernel kernel = kernel("gemm", 4, 16 * 4,
                1, tile.tm(), 2, tile.tn(), 3, tile.bk(),
                4, dtypeCode(bType), 5, bias == null ? 0 : dtypeCode(bias.dtype), 6, bias == null ? 0 : 1,
                7, bNK ? 1 : 0);
        dispatchGemm(kernel, tile.rows(), tile.cols(), a, b, bias, c, m, n, k, lda, ldb, ldc, batches, batchInner, offsets);
    }

    /**
     * Dispatches either GEMM kernel over C in tiles of {@code tileRows × tileCols}: both take the
     * same push constants (sizes, strides, batch addressing) and the same four buffers.
     */
    private void dispatchGemm(ComputeKernel kernel, int tileRows, int tileCols, GpuBuffer a, GpuBuffer b,
                              VulkanTensor bias, GpuBuffer c, int m, int n, int k, int lda, int ldb, int ldc,
                              int batches, int batchInner, int[] offsets) {
        int[] push = new int[16];
        push[0] = m;
        push[1] = n;
        push[2] = k;
        push[3] = lda;
        push[4] = ldb;
        push[5] = ldc;
        push[6] = batchInner;
        System.arraycopy(offsets, 0, push, 7, 9);
        dispatch(kernel, Math.ceilDiv(n, tileCols), axisGroups(Math.ceilDiv(m, tileRows), 1), batches, push,
                a, b, bias == null ? dummy : bias.buffer(), c);
    }

    /**
     * Whether a product takes gemm_coopmat.comp: only B = [N, K] in fp16 (linear layers with fp16
     * weights). BF16 and F32 weights stay on gemm.comp: rounding F32 weights to fp16 would break the
     * fp32 path's 1e-4 contract, and BF16 has fp32's range, so converting it to fp16 could overflow.
     */
    private boolean usesCoopMat(DType bType, boolean bNK, int m, int n) {
        if (coopMatMode == CoopMatMode.OFF || !tuning.hasCoopMat() || bType != DType.F16 || !bNK) {
            return false;
        }
        return coopMatMode == CoopMatMode.ON || (!tuning.cpuDevice()
                && m >= KernelTuning.COOPMAT_MIN_DIM && n >= KernelTuning.COOPMAT_MIN_DIM);
    }

    /** {@link #gemm} on cooperative matrices: same operands, push constants and batch addressing. */
    private void gemmCoopMat(GpuBuffer a, GpuBuffer b, VulkanTensor bias, GpuBuffer c, int m, int n, int k,
                             int lda, int ldb, int ldc, int batches, int batchInner, int[] offsets) {
        KernelTuning.CoopMatTile tile = tuning.coopMatTileFor(m, n);
        ComputeKernel kernel = kernel("gemm_coopmat", 4, 16 * 4,
                0, tile.threads(), 1, tile.cm(), 2, tile.cn(), 3, tile.ck(),
                4, tile.sgRows(), 5, tile.sgCols(), 6, tile.fragRows(), 7, tile.fragCols(), 8, tile.kSteps(),
                9, bias == null ? 0 : dtypeCode(bias.dtype), 10, bias == null ? 0 : 1);
        dispatchGemm(kernel, tile.rows(), tile.cols(), a, b, bias, c, m, n, k, lda, ldb, ldc, batches, batchInner, offsets);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyBias, Tensor headBias) {
        VulkanTensor qt = activation(q, "attention q");
        VulkanTensor kt = activation(k, "attention k");
        VulkanTensor vt = activation(v, "attention v");
        int[] qs = qt.shapeRef();
        int[] ks = kt.shapeRef();
        int batchSize = qs[0];
        int sq = qs[1];
        int sk = ks[1];
        int width = qs[2];
        if (qs.length != 3 || ks.length != 3 || width % heads != 0 || ks[2] != width
                || !Arrays.equals(ks, vt.shapeRef()) || ks[0] != batchSize) {
            throw new IllegalArgumentException("attention: q " + Arrays.toString(qs) + ", k " + Arrays.toString(ks)
                    + ", v " + Tensor.describe(v) + " with " + heads + " heads");
        }
        VulkanTensor kb = keyBias == null ? null : activation(keyBias, "attention keyBias");
        VulkanTensor hb = headBias == null ? null : activation(headBias, "attention headBias");
        if (kb != null && kb.size() != (long) batchSize * sk) {
            throw new IllegalArgumentException("attention: keyBias " + kb + " for batch " + batchSize + ", " + sk + " keys");
        }
        if (hb != null && hb.size() != (long) heads * sq * sk) {
            throw new IllegalArgumentException("attention: headBias " + hb + " for " + heads + " heads, " + sq + "×" + sk);
        }
        int d = width / heads;
        VulkanTensor out = allocate(qs);
        if (sk == 0 || sq == 0) {
            return out;
        }
        GpuBuffer kbBuf = kb == null ? dummy : kb.buffer();
        GpuBuffer hbBuf = hb == null ? dummy : hb.buffer();
        if (tuning.attentionRowPerThread(d)) {
            int threads = tuning.attentionRowGroup();
            ComputeKernel kernel = kernel("attention_rows", 7, 5 * 4,
                    0, threads, 1, tuning.attentionRowKeyBlock(d), 2, d,
                    3, kb == null ? 0 : 1, 4, hb == null ? 0 : 1, 5, tuning.attentionRowQueries(), 6, 0, 7, 0);
            dispatch(kernel, Math.ceilDiv(sq, threads * tuning.attentionRowQueries()), heads, batchSize,
                    words(sq, sk, width, heads, Float.floatToRawIntBits(scale)),
                    qt.buffer(), kt.buffer(), vt.buffer(), kbBuf, hbBuf, out.buffer(), dummy);
        } else if (d <= KernelTuning.MAX_FUSED_HEAD_DIM) {
            int rows = tuning.attentionRows();
            int keys = tuning.attentionKeyBlock(d);
            ComputeKernel kernel = kernel("attention", 7, 5 * 4,
                    0, rows * KernelTuning.ATTENTION_LANES, 1, rows, 2, keys, 3, d,
                    4, kb == null ? 0 : 1, 5, hb == null ? 0 : 1, 6, 0, 7, 0);
            dispatch(kernel, Math.ceilDiv(sq, rows), heads, batchSize,
                    words(sq, sk, width, heads, Float.floatToRawIntBits(scale)),
                    qt.buffer(), kt.buffer(), vt.buffer(), kbBuf, hbBuf, out.buffer(), dummy);
        } else {
            largeHeadAttention(qt, kt, vt, heads, scale, kb, hb, out);
        }
        return out;
    }

    /**
     * Attention for heads wider than the fused kernel holds (the VAE's single-head mid-block
     * attention, d = channels): per chunk of queries, scores = Q·Kᵀ and then P·V as batched GEMMs
     * over (batch, head) with a row softmax between. The chunk bounds the score buffer.
     */
    private void largeHeadAttention(VulkanTensor q, VulkanTensor k, VulkanTensor v, int heads, float scale,
                                    VulkanTensor kb, VulkanTensor hb, VulkanTensor out) {
        int[] qs = q.shapeRef();
        int batchSize = qs[0];
        int sq = qs[1];
        int width = qs[2];
        int sk = k.shapeRef()[1];
        int d = width / heads;
        int z = batchSize * heads;
        long limit = Math.min(MAX_SCORE_ELEMENTS, device.capabilities().maxStorageBufferRange() / Float.BYTES);
        int chunk = (int) Math.max(1, Math.min(sq, limit / ((long) z * sk)));
        GpuBuffer scores = pool.acquire((long) z * chunk * sk * Float.BYTES);
        ComputeKernel softmax = kernel("softmax_rows", 3, 7 * 4,
                0, tuning.reductionGroup(), 1, kb == null ? 0 : 1, 2, hb == null ? 0 : 1);
        for (int q0 = 0; q0 < sq; q0 += chunk) {
            int rows = Math.min(chunk, sq - q0);
            int perZ = rows * sk;
            // scores[z][r][j] = q[b, q0 + r, h·d:] · k[b, j, h·d:]
            gemm(q.buffer(), k.buffer(), DType.F32, true, null, scores, rows, sk, d, width, width, sk, z, heads,
                    new int[] {q0 * width, sq * width, d, 0, sk * width, d, 0, heads * perZ, perZ});
            dispatch(softmax, Math.min(z * rows, 65535), 1, 1,
                    words(z * rows, rows, sk, sq, heads, q0, Float.floatToRawIntBits(scale)),
                    scores, kb == null ? dummy : kb.buffer(), hb == null ? dummy : hb.buffer());
            // out[b, q0 + r, h·d + c] = Σ_j p[z][r][j] · v[b, j, h·d + c]
            gemm(scores, v.buffer(), DType.F32, false, null, out.buffer(), rows, d, sk, sk, width, width, z, heads,
                    new int[] {0, heads * perZ, perZ, 0, sk * width, d, q0 * width, sq * width, d});
        }
        pool.release(scores);
    }

    // ---- token rows (regional attention) ----------------------------------------------------

    @Override
    public Tensor indices(int[] values) {
        checkOpen();
        IndexChecks.requireNonNegative(values);
        long bytes = Math.max(4, values.length * (long) Integer.BYTES);
        checkBindable(bytes, "indices[" + values.length + "]");
        VulkanTensor t = newTensor(new VulkanTensor(this, new VulkanTensor.Storage(pool.acquire(bytes), true),
                new int[] {values.length}, DType.F32, values.clone()));
        ByteBuffer host = ByteBuffer.allocateDirect(values.length * Integer.BYTES).order(ByteOrder.nativeOrder());
        host.asIntBuffer().put(values);
        uploadRecorded(host, t.buffer());
        return t;
    }

    @Override
    public Tensor gatherTokens(Tensor x, int batchFrom, int batchCount, Tensor tokens) {
        VulkanTensor in = activation(x, "gatherTokens input");
        VulkanTensor list = indexList(tokens, "gatherTokens tokens");
        int[] s = in.shapeRef();
        if (s.length != 3 || batchFrom < 0 || batchCount < 1 || batchFrom + batchCount > s[0]) {
            throw new IllegalArgumentException("gatherTokens: rows [" + batchFrom + ", " + (batchFrom + batchCount)
                    + ") of " + Arrays.toString(s));
        }
        IndexChecks.requireBelow(list.indexValues, s[1], "gatherTokens");
        int count = list.indexValues.length;
        VulkanTensor out = allocate(batchCount, count, s[2]);
        int n = Math.toIntExact(out.size());
        if (n > 0) {
            dispatch(kernel("gather_tokens", 3, 5 * 4, 0, tuning.elementwiseGroup()), stridedGroups(n), 1, 1,
                    words(n, s[2], count, s[1], batchFrom), in.buffer(), list.buffer(), out.buffer());
        }
        return out;
    }

    @Override
    public void blendTokensInPlace(Tensor x, int batchFrom, float keep, Tensor y, Tensor tokens) {
        VulkanTensor vx = activation(x, "blendTokensInPlace target");
        VulkanTensor vy = activation(y, "blendTokensInPlace source");
        VulkanTensor list = indexList(tokens, "blendTokensInPlace tokens");
        int[] xs = vx.shapeRef();
        int[] ys = vy.shapeRef();
        if (xs.length != 3 || ys.length != 3 || ys[2] != xs[2] || list.indexValues.length != xs[1] || batchFrom < 0
                || batchFrom + ys[0] > xs[0]) {
            throw new IllegalArgumentException("blendTokensInPlace: x " + Arrays.toString(xs) + " from row " + batchFrom
                    + ", y " + Arrays.toString(ys) + ", " + list.indexValues.length + " token indices");
        }
        IndexChecks.requireBelow(list.indexValues, ys[1], "blendTokensInPlace");
        int n = Math.toIntExact((long) ys[0] * xs[1] * xs[2]);
        if (n > 0) {
            dispatch(kernel("blend_tokens", 3, 7 * 4, 0, tuning.elementwiseGroup()), stridedGroups(n), 1, 1,
                    words(n, xs[2], xs[1], ys[1], batchFrom, Float.floatToRawIntBits(keep),
                            Float.floatToRawIntBits(1f - keep)),
                    vx.buffer(), vy.buffer(), list.buffer());
        }
    }

    @Override
    public Tensor rangedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale, Tensor keyRanges) {
        VulkanTensor qt = activation(q, "rangedAttention q");
        VulkanTensor kt = activation(k, "rangedAttention k");
        VulkanTensor vt = activation(v, "rangedAttention v");
        VulkanTensor ranges = indexList(keyRanges, "rangedAttention keyRanges");
        int[] qs = qt.shapeRef();
        int[] ks = kt.shapeRef();
        int batchSize = qs[0];
        int sq = qs[1];
        int sk = ks[1];
        int width = qs[2];
        if (qs.length != 3 || ks.length != 3 || width % heads != 0 || ks[2] != width
                || !Arrays.equals(ks, vt.shapeRef()) || (ks[0] != batchSize && ks[0] != 1)) {
            throw new IllegalArgumentException("rangedAttention: q " + Arrays.toString(qs) + ", k " + Arrays.toString(ks)
                    + ", v " + Tensor.describe(v) + " with " + heads + " heads");
        }
        IndexChecks.requireKeyRanges(ranges.indexValues, sq, sk);
        int d = width / heads;
        if (d > KernelTuning.MAX_FUSED_HEAD_DIM) {
            throw new IllegalArgumentException("rangedAttention: head dimension " + d + " is above the fused kernels' "
                    + KernelTuning.MAX_FUSED_HEAD_DIM);
        }
        VulkanTensor out = allocate(qs);
        if (sq == 0) {
            return out;
        }
        int sharedKv = ks[0] == 1 && batchSize > 1 ? 1 : 0;
        int[] push = words(sq, sk, width, heads, Float.floatToRawIntBits(scale));
        if (tuning.attentionRowPerThread(d)) {
            int threads = tuning.attentionRowGroup();
            ComputeKernel kernel = kernel("attention_rows", 7, 5 * 4,
                    0, threads, 1, tuning.attentionRowKeyBlock(d), 2, d,
                    3, 0, 4, 0, 5, tuning.attentionRowQueries(), 6, 1, 7, sharedKv);
            dispatch(kernel, Math.ceilDiv(sq, threads * tuning.attentionRowQueries()), heads, batchSize, push,
                    qt.buffer(), kt.buffer(), vt.buffer(), dummy, dummy, out.buffer(), ranges.buffer());
        } else {
            int rows = tuning.attentionRows();
            ComputeKernel kernel = kernel("attention", 7, 5 * 4,
                    0, rows * KernelTuning.ATTENTION_LANES, 1, rows, 2, tuning.attentionKeyBlock(d), 3, d,
                    4, 0, 5, 0, 6, 1, 7, sharedKv);
            dispatch(kernel, Math.ceilDiv(sq, rows), heads, batchSize, push,
                    qt.buffer(), kt.buffer(), vt.buffer(), dummy, dummy, out.buffer(), ranges.buffer());
        }
        return out;
    }

    // ---- normalisation ----------------------------------------------------------------------

    @Override
    public Tensor layerNorm(Tensor x, float eps) {
        VulkanTensor in = activation(x, "layerNorm input");
        int d = Shapes.last(in.shapeRef());
        int rows = Shapes.rows(in.shapeRef());
        VulkanTensor out = allocate(in.shapeRef());
        dispatch(kernel("layernorm", 3, 7 * 4, 0, tuning.reductionGroup(), 1, 0, 2, 0),
                rowGroups(rows), 1, 1, words(rows, d, Math.max(1, rows), 1, 0, 0, Float.floatToRawIntBits(eps)),
                in.buffer(), dummy, out.buffer());
        return out;
    }

    @Override
    public Tensor layerNormModulate(Tensor x, Tensor mod, int shiftRow, int scaleRow, float eps) {
        VulkanTensor in = activation(x, "layerNormModulate input");
        VulkanTensor m = vk(mod);
        int[] s = in.shapeRef();
        int[] ms = m.shapeRef();
        if (s.length != 3 || ms.length != 3 || ms[0] != s[0] || ms[2] != s[2]
                || Math.max(shiftRow, scaleRow) >= ms[1] || Math.min(shiftRow, scaleRow) < 0) {
            throw new IllegalArgumentException("layerNormModulate: x " + Arrays.toString(s) + ", mod " + Arrays.toString(ms)
                    + ", rows " + shiftRow + "/" + scaleRow);
        }
        int rows = s[0] * s[1];
        VulkanTensor out = allocate(s);
        dispatch(kernel("layernorm", 3, 7 * 4, 0, tuning.reductionGroup(), 1, 1, 2, dtypeCode(m.dtype)),
                rowGroups(rows), 1, 1, words(rows, s[2], s[1], ms[1], shiftRow, scaleRow, Float.floatToRawIntBits(eps)),
                in.buffer(), m.buffer(), out.buffer());
        return out;
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        VulkanTensor in = activation(x, "rmsNorm input");
        VulkanTensor w = vk(weight);
        int d = Shapes.last(in.shapeRef());
        if (w.size() != d) {
            throw new IllegalArgumentException("rmsNorm: weight " + w + " for rows of " + d);
        }
        int rows = Shapes.rows(in.shapeRef());
        VulkanTensor out = allocate(in.shapeRef());
        dispatch(kernel("rmsnorm", 3, 3 * 4, 0, tuning.reductionGroup(), 1, dtypeCode(w.dtype)),
                rowGroups(rows), 1, 1, words(rows, d, Float.floatToRawIntBits(eps)), in.buffer(), w.buffer(), out.buffer());
        return out;
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        VulkanTensor in = activation(x, "groupNorm input");
        VulkanTensor w = vk(weight);
        VulkanTensor b = vk(bias);
        int[] s = in.shapeRef();
        int channels = s[1];
        if (s.length != 4 || channels % groups != 0 || w.size() != channels || b.size() != channels) {
            throw new IllegalArgumentException("groupNorm: " + Arrays.toString(s) + " in " + groups + " groups, weight "
                    + w + ", bias " + b);
        }
        int plane = s[2] * s[3];
        int tasks = s[0] * groups;
        VulkanTensor out = allocate(s);
        dispatch(kernel("groupnorm", 4, 5 * 4, 0, tuning.reductionGroup(), 1, dtypeCode(w.dtype), 2, dtypeCode(b.dtype)),
                rowGroups(tasks), 1, 1, words(tasks, groups, channels / groups, plane, Float.floatToRawIntBits(eps)),
                in.buffer(), w.buffer(), b.buffer(), out.buffer());
        return out;
    }

    // ---- element-wise -----------------------------------------------------------------------

    @Override
    public Tensor geluTanh(Tensor x) {
        return unary(x, 0);
    }

    @Override
    public Tensor silu(Tensor x) {
        return unary(x, 1);
    }

    private Tensor unary(Tensor x, int op) {
        VulkanTensor in = activation(x, op == 0 ? "geluTanh input" : "silu input");
        VulkanTensor out = allocate(in.shapeRef());
        int n = Math.toIntExact(in.size());
        dispatch(kernel("unary", 2, 4, 0, tuning.elementwiseGroup(), 1, op), stridedGroups(n), 1, 1, words(n),
                in.buffer(), out.buffer());
        return out;
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return binary("add", a, b, 0);
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return binary("mul", a, b, 1);
    }

    private Tensor binary(String op, Tensor a, Tensor b, int code) {
        VulkanTensor va = vk(a);
        VulkanTensor vb = vk(b);
        int[] os = Shapes.broadcast(op, va.shapeRef(), vb.shapeRef());
        if (os.length > 4) {
            throw new IllegalArgumentException(op + ": broadcasting is supported up to rank 4, got " + Arrays.toString(os));
        }
        int[] dims = rightAligned(os, 4);
        int[] sa = broadcastStrides(va.shapeRef(), 4);
        int[] sb = broadcastStrides(vb.shapeRef(), 4);
        VulkanTensor out = allocate(os);
        int n = Math.toIntExact(out.size());
        dispatch(kernel("binary", 3, 12 * 4, 0, tuning.elementwiseGroup(), 1, code, 2, dtypeCode(va.dtype),
                        3, dtypeCode(vb.dtype)),
                stridedGroups(n), 1, 1, words(n, dims[1], dims[2], dims[3], sa[0], sa[1], sa[2], sa[3], sb[0], sb[1], sb[2], sb[3]),
                va.buffer(), vb.buffer(), out.buffer());
        return out;
    }

    private static int[] rightAligned(int[] shape, int rank) {
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        System.arraycopy(shape, 0, out, rank - shape.length, shape.length);
        return out;
    }

    /** Row-major strides of {@code shape} right-aligned to {@code rank} dims, 0 where broadcast. */
    private static int[] broadcastStrides(int[] shape, int rank) {
        int[] strides = new int[rank];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[rank - shape.length + i] = shape[i] == 1 ? 0 : stride;
            stride *= shape[i];
        }
        return strides;
    }

    @Override
    public void addGatedInPlace(Tensor x, Tensor mod, int gateRow, Tensor y) {
        VulkanTensor vx = activation(x, "addGatedInPlace target");
        VulkanTensor vy = vk(y);
        VulkanTensor m = vk(mod);
        int[] s = vx.shapeRef();
        Shapes.requireSameShape("addGatedInPlace", s, vy.shapeRef());
        int[] ms = m.shapeRef();
        if (s.length != 3 || ms.length != 3 || ms[0] != s[0] || ms[2] != s[2] || gateRow < 0 || gateRow >= ms[1]) {
            throw new IllegalArgumentException("addGatedInPlace: x " + Arrays.toString(s) + ", mod " + Arrays.toString(ms)
                    + ", gate row " + gateRow);
        }
        int n = Math.toIntExact(vx.size());
        dispatch(kernel("add_inplace", 3, 5 * 4, 0, tuning.elementwiseGroup(), 1, 1, 2, dtypeCode(vy.dtype),
                        3, dtypeCode(m.dtype)),
                stridedGroups(n), 1, 1, words(n, s[2], s[1], ms[1], gateRow), vx.buffer(), vy.buffer(), m.buffer());
    }

    @Override
    public void addInPlace(Tensor x, Tensor y) {
        VulkanTensor vx = activation(x, "addInPlace target");
        VulkanTensor vy = vk(y);
        Shapes.requireSameShape("addInPlace", vx.shapeRef(), vy.shapeRef());
        int n = Math.toIntExact(vx.size());
        dispatch(kernel("add_inplace", 3, 5 * 4, 0, tuning.elementwiseGroup(), 1, 0, 2, dtypeCode(vy.dtype), 3, 0),
                stridedGroups(n), 1, 1, words(n, 1, 1, 1, 0), vx.buffer(), vy.buffer(), dummy);
    }

    // ---- images -----------------------------------------------------------------------------

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        VulkanTensor in = activation(x, "conv2d input");
        VulkanTensor w = vk(weight);
        VulkanTensor b = bias == null ? null : vk(bias);
        int[] xs = in.shapeRef();
        int[] ws = w.shapeRef();
        if (xs.length != 4 || ws.length != 4 || ws[1] != xs[1]) {
            throw new IllegalArgumentException("conv2d: input " + Arrays.toString(xs) + " does not fit weight " + w);
        }
        int batchSize = xs[0];
        int cout = ws[0];
        int kh = ws[2];
        int kw = ws[3];
        int oh = (xs[2] + 2 * padding - kh) / stride + 1;
        int ow = (xs[3] + 2 * padding - kw) / stride + 1;
        if (b != null && b.size() != cout) {
            throw new IllegalArgumentException("conv2d: bias " + b + " for " + cout + " output channels");
        }
        VulkanTensor out = allocate(batchSize, cout, oh, ow);
        int m = batchSize * oh * ow;
        int channels = tuning.convDirectChannels(cout);
        if (channels > 0) {
            int threads = tuning.convDirectGroup();
            int run = tuning.convDirectPixels(channels);
            ComputeKernel kernel = kernel("conv2d_direct", 4, 11 * 4, 0, threads, 1, channels,
                    2, dtypeCode(w.dtype), 3, b == null ? 0 : dtypeCode(b.dtype), 4, b == null ? 0 : 1, 5, run);
            dispatch(kernel, axisGroups(Math.ceilDiv(m, threads * run), 0), Math.ceilDiv(cout, channels), 1,
                    words(batchSize, xs[1], xs[2], xs[3], cout, kh, kw, stride, padding, oh, ow),
                    in.buffer(), w.buffer(), b == null ? dummy : b.buffer(), out.buffer());
            return out;
        }
        KernelTuning.GemmTile tile = tuning.gemmTileFor(m, cout);
        ComputeKernel kernel = kernel("conv2d", 4, 11 * 4, 1, tile.tm(), 2, tile.tn(), 3, tile.bk(),
                4, dtypeCode(w.dtype), 5, b == null ? 0 : dtypeCode(b.dtype), 6, b == null ? 0 : 1);
        dispatch(kernel, Math.ceilDiv(cout, tile.cols()), axisGroups(Math.ceilDiv(m, tile.rows()), 1), 1,
                words(batchSize, xs[1], xs[2], xs[3], cout, kh, kw, stride, padding, oh, ow),
                in.buffer(), w.buffer(), b == null ? dummy : b.buffer(), out.buffer());
        return out;
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        VulkanTensor in = vk(x);
        int[] s = in.shapeRef();
        int h = s[2];
        int w = s[3];
        VulkanTensor out = allocate(s[0], s[1], 2 * h, 2 * w);
        // Output [planes, h, 2, w, 2] row-major is exactly [planes, 2h, 2w]; the ×2 axes read stride 0.
        gather(in, 0, out.buffer(), 0, new int[] {1, s[0] * s[1], h, 2, w, 2}, new int[] {0, h * w, w, 0, 1, 0});
        return out;
    }

    @Override
    public Tensor imageToTokens(Tensor x) {
        VulkanTensor in = vk(x);
        int[] s = in.shapeRef();
        int c = s[1];
        int hw = s[2] * s[3];
        VulkanTensor out = allocate(s[0], hw, c);
        gather(in, 0, out.buffer(), 0, new int[] {1, 1, 1, s[0], hw, c}, new int[] {0, 0, 0, c * hw, 1, hw});
        return out;
    }

    @Override
    public Tensor tokensToImage(Tensor x, int height, int width) {
        VulkanTensor in = vk(x);
        int[] s = in.shapeRef();
        int c = s[2];
        int hw = height * width;
        if (s[1] != hw) {
            throw new IllegalArgumentException("tokensToImage: " + s[1] + " tokens for " + height + "×" + width);
        }
        VulkanTensor out = allocate(s[0], c, height, width);
        gather(in, 0, out.buffer(), 0, new int[] {1, 1, 1, s[0], c, hw}, new int[] {0, 0, 0, hw * c, 1, c});
        return out;
    }

    @Override
    public Tensor unpatchify(Tensor x, int h, int w, int patch, int channels) {
        VulkanTensor in = vk(x);
        int[] s = in.shapeRef();
        if (s.length != 3 || s[1] != h * w || s[2] != patch * patch * channels) {
            throw new IllegalArgumentException("unpatchify: " + Arrays.toString(s) + " for grid " + h + "×" + w
                    + ", patch " + patch + ", " + channels + " channels");
        }
        VulkanTensor out = allocate(s[0], channels, h * patch, w * patch);
        // Output [B, C, h, p, w, p] read from input [B, h, w, p, p, C].
        int tokenStride = patch * patch * channels;
        gather(in, 0, out.buffer(), 0, new int[] {s[0], channels, h, patch, w, patch},
                new int[] {h * w * tokenStride, 1, w * tokenStride, patch * channels, tokenStride, channels});
        return out;
    }

    // ---- token grid (token density) -------------------------------------------------------

    @Override
    public Tensor poolTokens(Tensor x, int height, int width, int cell, TokenPooling mode) {
        VulkanTensor in = activation(x, "poolTokens input");
        TokenGrid grid = new TokenGrid(height, width);
        TokenGrid.requireSide("poolTokens", "cell", cell);
        int[] s = grid.requireTokens("poolTokens", in.shapeRef());
        int cells = grid.tiles(cell);
        VulkanTensor out = allocate(s[0], cells, s[2]);
        int n = Math.toIntExact(out.size());
        dispatch(kernel("pool_tokens", 2, 7 * 4, 0, tuning.elementwiseGroup(), 1, mode == TokenPooling.NEAREST ? 1 : 0),
                stridedGroups(n), 1, 1, words(n, s[2], height, width, cell, grid.tileColumns(cell), cells),
                in.buffer(), out.buffer());
        return out;
    }

    @Override
    public Tensor upsampleTokens(Tensor x, int height, int width, int cell) {
        VulkanTensor in = activation(x, "upsampleTokens input");
        TokenGrid grid = new TokenGrid(height, width);
        TokenGrid.requireSide("upsampleTokens", "cell", cell);
        int[] s = in.shapeRef();
        int cells = grid.tiles(cell);
        if (s.length != 3 || s[1] != cells) {
            throw new IllegalArgumentException("upsampleTokens: " + Arrays.toString(s) + " is not [batch, " + cells
                    + " cells of " + cell + "×" + cell + " on a " + height + "×" + width + " grid, channels]");
        }
        VulkanTensor out = allocate(s[0], grid.tokens(), s[2]);
        int n = Math.toIntExact(out.size());
        dispatch(kernel("upsample_tokens", 2, 7 * 4, 0, tuning.elementwiseGroup()),
                stridedGroups(n), 1, 1, words(n, s[2], height, width, cell, grid.tileColumns(cell), cells),
                in.buffer(), out.buffer());
        return out;
    }

    @Override
    public Tensor localPooledAttention(Tensor q, Tensor k, Tensor v, Tensor pooledK, Tensor pooledV, int heads,
                                       float scale, int height, int width, int window, int cell) {
        VulkanTensor qt = activation(q, "localPooledAttention q");
        VulkanTensor kt = activation(k, "localPooledAttention k");
        VulkanTensor vt = activation(v, "localPooledAttention v");
        VulkanTensor pk = activation(pooledK, "localPooledAttention pooled k");
        VulkanTensor pv = activation(pooledV, "localPooledAttention pooled v");
        TokenGrid grid = new TokenGrid(height, width);
        TokenGrid.requireSide("localPooledAttention", "window", window);
        TokenGrid.requireSide("localPooledAttention", "cell", cell);
        int[] qs = grid.requireTokens("localPooledAttention", qt.shapeRef());
        int cells = grid.tiles(cell);
        int[] ps = pk.shapeRef();
        if (!Arrays.equals(qs, kt.shapeRef()) || !Arrays.equals(qs, vt.shapeRef()) || qs[2] % heads != 0
                || !Arrays.equals(ps, pv.shapeRef()) || ps.length != 3 || ps[0] != qs[0] || ps[1] != cells
                || ps[2] != qs[2]) {
            throw new IllegalArgumentException("localPooledAttention: q " + Arrays.toString(qs) + ", k " + kt + ", v " + vt
                    + ", pooled k " + pk + ", pooled v " + pv + " with " + heads + " heads, " + cells + " cells");
        }
        VulkanTensor out = allocate(qs);
        int threads = 64;
        int groups = Math.ceilDiv(grid.tokens(), threads); // one thread per query: no grid-stride loop
        if (groups > device.capabilities().maxComputeWorkGroupCount().get(0)) {
            throw new IllegalArgumentException("localPooledAttention: " + grid.tokens() + " tokens exceed one dispatch");
        }
        dispatch(kernel("attention_local", 6, 7 * 4, 0, threads, 1, qs[2] / heads),
                groups, heads, qs[0],
                words(height, width, window, cell, qs[2], cells, Float.floatToRawIntBits(scale)),
                qt.buffer(), kt.buffer(), vt.buffer(), pk.buffer(), pv.buffer(), out.buffer());
        return out;
    }

    /** Records a strided rank-6 gather of {@code in} (any dtype) into fp32 {@code out}; see gather.comp. */
    private void gather(VulkanTensor in, int inOffset, GpuBuffer out, int outOffset, int[] dims, int[] strides) {
        int n = Math.toIntExact(Shapes.size(dims));
        dispatch(kernel("gather", 2, 14 * 4, 0, tuning.elementwiseGroup(), 1, dtypeCode(in.dtype)),
                stridedGroups(n), 1, 1,
                words(n, inOffset, outOffset, dims[1], dims[2], dims[3], dims[4], dims[5],
                        strides[0], strides[1], strides[2], strides[3], strides[4], strides[5]),
                in.buffer(), out);
    }

    // ---- kernels and dispatch ---------------------------------------------------------------

    /**
     * The pipeline of {@code glsl/<name>.comp} with the given specialization constants
     * ({@code id, value} pairs), built on first use and cached for the backend's lifetime.
     */
    private ComputeKernel kernel(String name, int buffers, int pushBytes, int... specialization) {
        String key = name + Arrays.toString(specialization);
        ComputeKernel k = kernels.get(key);
        if (k == null) {
            SpirvCode code = spirv.computeIfAbsent(name, compiler::compile);
            ComputeKernel.Builder b = ComputeKernel.builder(device, code).storageBuffers(buffers).pushConstantBytes(pushBytes);
            for (int i = 0; i < specialization.length; i += 2) {
                b.specialization(specialization[i], specialization[i + 1]);
            }
            k = b.build();
            kernels.put(key, k);
        }
        return k;
    }

    private void dispatch(ComputeKernel kernel, int gx, int gy, int gz, int[] push, GpuBuffer... buffers) {
        ByteBuffer pc = ByteBuffer.allocate(push.length * Integer.BYTES).order(ByteOrder.nativeOrder());
        pc.asIntBuffer().put(push);
        batch.dispatch(kernel, List.of(buffers), pc, gx, gy, gz);
    }

    private static int[] words(int... values) {
        return values;
    }

    private int stridedGroups(int n) {
        return Math.max(1, Math.min(MAX_STRIDED_GROUPS, Math.ceilDiv(n, tuning.elementwiseGroup())));
    }

    private int rowGroups(int rows) {
        return axisGroups(rows, 0);
    }

    /** {@code wanted} workgroups clamped to the device's limit on {@code axis} (kernels stride over the rest). */
    private int axisGroups(int wanted, int axis) {
        return Math.max(1, Math.min(wanted, device.capabilities().maxComputeWorkGroupCount().get(axis)));
    }

    /** The element-type code of common.glsl's DT_* constants. */
    static int dtypeCode(DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
        };
    }

    private VulkanTensor vk(Tensor t) {
        checkOpen();
        if (t instanceof VulkanTensor v && v.owner() == this) {
            if (v.isReleased()) {
                v.buffer(); // throws with the explanation
            }
            if (v.isIndexList()) {
                throw new IllegalArgumentException("an index list (" + v + ") is only an index argument of "
                        + "gatherTokens, blendTokensInPlace and rangedAttention");
            }
            return v;
        }
        throw new IllegalArgumentException("the Vulkan backend cannot use " + t + " (made by another backend)");
    }

    /** An index list of this backend ({@link #indices}). */
    private VulkanTensor indexList(Tensor t, String role) {
        checkOpen();
        if (t instanceof VulkanTensor v && v.owner() == this && v.isIndexList()) {
            v.buffer(); // fails on a released list
            return v;
        }
        throw new IllegalArgumentException(role + " must be an index list made by this backend's indices(), got " + t);
    }

    /** A float32 tensor (kernels write and read activations as fp32). */
    private VulkanTensor activation(Tensor t, String role) {
        VulkanTensor v = vk(t);
        if (v.dtype != DType.F32) {
            throw new IllegalArgumentException(role + " must be float32, got " + v);
        }
        return v;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("VulkanOps is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pending Vulkan work failed while closing", e);
        }
        closed = true;
        device.waitIdle();
        for (VulkanTensor.Storage s : live) {
            if (s.pooled) {
                pool.release(s.buffer);
            } else {
                s.buffer.close();
            }
        }
        live.clear();
        scopes.clear();
        pool.close();
        afterSubmit.forEach(GpuBuffer::close);
        afterSubmit.clear();
        kernels.values().forEach(ComputeKernel::close);
        kernels.clear();
        dummy.close();
        batch.close();
        compiler.close();
        if (instance != null) {
            device.close();
            instance.close();
        }
    }

    @Override
    public String toString() {
        return "VulkanOps[" + device.capabilities().name() + "]";
    }
}
