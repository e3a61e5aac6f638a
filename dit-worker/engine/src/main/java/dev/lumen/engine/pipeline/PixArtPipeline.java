package dev.lumen.engine.pipeline;

import dev.lumen.engine.density.DensityPlan;
import dev.lumen.engine.density.DensityPlanner;
import dev.lumen.engine.density.DensityReport;
import dev.lumen.engine.density.TokenOperator;
import dev.lumen.engine.density.TransformerFlops;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.layout.RegionMap;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.model.pixart.CaptionContext;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
import dev.lumen.engine.model.pixart.RegionalContext;
import dev.lumen.engine.model.t5.T5Config;
import dev.lumen.engine.model.t5.T5Encoder;
import dev.lumen.engine.model.vae.VaeConfig;
import dev.lumen.engine.model.vae.VaeDecoder;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.ops.TokenGrid;
import dev.lumen.engine.sampling.Schedule;
import dev.lumen.engine.sampling.Scheduler;
import dev.lumen.engine.sampling.SchedulerConfig;
import dev.lumen.engine.tensor.Tensor;
import dev.lumen.engine.text.T5Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

/**
 * Prompt → image, as diffusers' {@code PixArtAlphaPipeline} / {@code PixArtSigmaPipeline} compute it
 * with {@code clean_caption=False} and {@code use_resolution_binning=False}: captions lower-cased
 * and stripped, tokenised to the pipeline's length, T5-encoded; latents denoised with the
 * checkpoint's scheduler and classifier-free guidance (batch [negative…, positive…], guidance on
 * all output channels, learned-sigma half dropped); VAE-decoded and mapped to [0, 1]. A request
 * with a layout also encodes its region captions and runs regional attention on the conditional
 * rows at the steps with {@code t ≥ until_t} (layout.md §3, ADR 0010).
 *
 * <p>Owns the memory-mapped checkpoint files of its components and unmaps them on close. One
 * pipeline serves one generation at a time per backend.
 */
public final class PixArtPipeline implements AutoCloseable {
    private final ModelFolder folder;
    private final Ops ops;
    private final Ops textOps;
    private final T5Tokenizer tokenizer;
    private final T5Config textEncoderConfig;
    private TensorSource textEncoderWeights;
    private T5Encoder textEncoder;
    private boolean textEncoderResident = true;
    private final TensorSource transformerWeights;
    private final PixArtTransformer transformer;
    private final TensorSource vaeWeights;
    private final VaeDecoder vae;
    private final Scheduler scheduler;

    private PixArtPipeline(ModelFolder folder, Ops ops, Ops textOps, T5Tokenizer tokenizer, TensorSource textEncoderWeights,
                           T5Encoder textEncoder, TensorSource transformerWeights, PixArtTransformer transformer,
                           TensorSource vaeWeights, VaeDecoder vae, Scheduler scheduler) {
        this.folder = folder;
        this.ops = ops;
        this.textOps = textOps;
        this.tokenizer = tokenizer;
        this.textEncoderWeights = textEncoderWeights;
        this.textEncoder = textEncoder;
        this.textEncoderConfig = textEncoder.config();
        this.transformerWeights = transformerWeights;
        this.transformer = transformer;
        this.vaeWeights = vaeWeights;
        this.vae = vae;
        this.scheduler = scheduler;
    }

    /** Loads every component of a model folder onto the backend. Weights stay memory-mapped in their stored dtype. */
    public static PixArtPipeline load(ModelFolder folder, Ops ops) {
        return load(folder, ops, SchedulerConfig.load(folder.scheduler().resolve("scheduler_config.json")));
    }

    /** As {@link #load(ModelFolder, Ops)} with another scheduler than the folder's (see {@link SamplerKind#choose}). */
    public static PixArtPipeline load(ModelFolder folder, Ops ops, SchedulerConfig schedulerConfig) {
        return load(folder, ops, ops, schedulerConfig);
    }

    /**
     * As above with the text encoder on its own backend: T5 runs once per prompt, so a deployment
     * may keep its (large) weights memory-mapped on the CPU backend and give the GPU only the
     * transformer and VAE.
     */
    public static PixArtPipeline load(ModelFolder folder, Ops ops, Ops textOps, SchedulerConfig schedulerConfig) {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            T5Tokenizer tokenizer = T5Tokenizer.load(folder.tokenizer());
            TensorSource te = track(opened, TensorSource.open(folder.textEncoder()));
            T5Encoder encoder = new T5Encoder(T5Config.read(folder.textEncoder().resolve("config.json")), te, textOps);
            TensorSource tw = track(opened, TensorSource.open(folder.transformer()));
            PixArtTransformer transformer = new PixArtTransformer(
                    PixArtConfig.read(folder.transformer().resolve("config.json")), tw, ops);
            TensorSource vw = track(opened, TensorSource.open(folder.vae()));
            VaeDecoder vae = new VaeDecoder(VaeConfig.read(folder.vae().resolve("config.json")), vw, ops);
            if (encoder.config().dModel() != transformer.config().captionChannels()) {
                throw new IllegalArgumentException("text encoder width " + encoder.config().dModel()
                        + " ≠ transformer caption_channels " + transformer.config().captionChannels());
            }
            if (vae.config().latentChannels() != transformer.config().inChannels()) {
                throw new IllegalArgumentException("VAE latent channels " + vae.config().latentChannels()
                        + " ≠ transformer in_channels " + transformer.config().inChannels());
            }
            Scheduler scheduler = Scheduler.create(schedulerConfig);
            return new PixArtPipeline(folder, ops, textOps, tokenizer, te, encoder, tw, transformer, vw, vae, scheduler);
        } catch (RuntimeException e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    public ModelFolder folder() {
        return folder;
    }

    public PixArtTransformer transformer() {
        return transformer;
    }

    public VaeDecoder vae() {
        return vae;
    }

    public Ops ops() {
        return ops;
    }

    /** Pixels per latent cell times the patch size: width and height must be multiples of this. */
    public int sizeMultiple() {
        return vae.config().scaleFactor() * transformer.config().patchSize();
    }

    /** diffusers' {@code _text_preprocessing} with {@code clean_caption=False}: lower-case and strip. */
    public static String preprocess(String prompt) {
        return prompt.toLowerCase(Locale.ROOT).strip();
    }

    /**
     * Whether T5 stays loaded between requests (the default). When not resident, its weights are
     * mapped for each text encoding and unmapped right after, so their pages leave this process's
     * resident memory while the transformer and VAE run (they stay in the OS page cache, so the next
     * mapping is cheap). On the CPU backend this bounds peak RSS by the larger of the two phases
     * rather than their sum — T5-XXL alone is 9.5 GB in bf16.
     */
    public void setTextEncoderResident(boolean resident) {
        this.textEncoderResident = resident;
        if (!resident) {
            unloadTextEncoder();
        }
    }

    private T5Encoder textEncoder() {
        if (textEncoder == null) {
            textEncoderWeights = TensorSource.open(folder.textEncoder());
            textEncoder = new T5Encoder(textEncoderConfig, textEncoderWeights, textOps);
        }
        return textEncoder;
    }

    private void unloadTextEncoder() {
        if (textEncoderWeights != null) {
            textEncoderWeights.close();
        }
        textEncoderWeights = null;
        textEncoder = null;
    }

    /** Encoded captions: {@code embeds [B, S, C]} and {@code mask [B·S]}, with the time each half took. */
    public record EncodedText(HostTensor embeds, float[] mask, double tokenizeMs, double encodeMs) {
        EncodedText(HostTensor embeds, float[] mask) {
            this(embeds, mask, 0, 0);
        }
    }

    /** Tokenises (after preprocessing) and T5-encodes captions, padded to the pipeline's length. */
    public EncodedText encodeText(List<String> prompts) {
        long t0 = System.nanoTime();
        int length = folder.maxSequenceLength();
        int[][] ids = new int[prompts.size()][];
        int[][] mask = new int[prompts.size()][];
        for (int i = 0; i < ids.length; i++) {
            dev.lumen.engine.text.Encoding enc = tokenizer.encode(preprocess(prompts.get(i)), length);
            ids[i] = enc.ids();
            mask[i] = enc.attentionMask();
        }
        long t1 = System.nanoTime();
        HostTensor host;
        try (Ops.Scope scope = textOps.scope()) {
            Tensor embeds = textEncoder().encode(ids, mask);
            host = new HostTensor(textOps.toHost(embeds), embeds.shape());
        } finally {
            if (!textEncoderResident) {
                unloadTextEncoder();
            }
        }
        float[] flatMask = new float[ids.length * length];
        for (int i = 0; i < ids.length; i++) {
            for (int s = 0; s < length; s++) {
                flatMask[i * length + s] = mask[i][s];
            }
        }
        long t2 = System.nanoTime();
        return new EncodedText(host, flatMask, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }

    /**
     * The captions of a layout's regions encoded for regional attention (layout.md §3.2):
     * {@code embeds.get(r)} is {@code [S_r, C]}, the T5 output of region r's caption on its real
     * tokens only (EOS included, no padding), {@code ids.get(r)} those tokens.
     */
    public record RegionText(List<HostTensor> embeds, List<int[]> ids, List<String> warnings, double tokenizeMs,
                             double encodeMs) {
    }

    /**
     * Encodes the captions of regions 0..R (background first) in one T5 batch padded to the longest
     * of them, with the attention mask, so the encoder's weights stream once; only each caption's
     * real rows are kept. T5 attends with key masking and relative positions, so those rows do not
     * depend on the padding (up to rounding: the reference measured 2.6e-7 between this and padding
     * to the pipeline's length). Captions are preprocessed like the prompt; one longer than the
     * pipeline's sequence length is truncated to it, with a warning naming {@code fields.get(r)}.
     */
    public RegionText encodeRegionCaptions(List<String> captions, List<String> fields) {
        long t0 = System.nanoTime();
        int length = folder.maxSequenceLength();
        List<int[]> real = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int longest = 0;
        for (int r = 0; r < captions.size(); r++) {
            String text = preprocess(captions.get(r));
            int full = tokenizer.encode(text).length + 1;
            dev.lumen.engine.text.Encoding enc = tokenizer.encode(text, length);
            int[] ids = java.util.Arrays.copyOf(enc.ids(), enc.tokenCount());
            if (full > length) {
                warnings.add(fields.get(r) + " is " + full + " tokens long; truncated to the model's " + length);
            }
            real.add(ids);
            longest = Math.max(longest, ids.length);
        }
        int[][] ids = new int[real.size()][longest];
        int[][] mask = new int[real.size()][longest];
        for (int r = 0; r < ids.length; r++) {
            int[] own = real.get(r);
            java.util.Arrays.fill(ids[r], tokenizer.padId());
            System.arraycopy(own, 0, ids[r], 0, own.length);
            java.util.Arrays.fill(mask[r], 0, own.length, 1);
        }
        long t1 = System.nanoTime();
        List<HostTensor> embeds = new ArrayList<>();
        try (Ops.Scope scope = textOps.scope()) {
            float[] all = textOps.toHost(textEncoder().encode(ids, mask));
            int width = textEncoderConfig.dModel();
            for (int r = 0; r < ids.length; r++) {
                int n = real.get(r).length;
                float[] rows = java.util.Arrays.copyOfRange(all, r * longest * width, (r * longest + n) * width);
                embeds.add(new HostTensor(rows, new int[] {n, width}));
            }
        } finally {
            if (!textEncoderResident) {
                unloadTextEncoder();
            }
        }
        long t2 = System.nanoTime();
        return new RegionText(embeds, real, warnings, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, GenerationListener.NONE, () -> false);
    }

    /**
     * Runs the request. {@code listener} hears every step; {@code cancelled} is polled between steps
     * and stops the run with {@link GenerationCancelledException}.
     */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, BooleanSupplier cancelled) {
        // Device tensors of this run (the caption context above all) are released when it ends.
        try (Ops.Scope run = ops.scope()) {
            return run(request, listener, cancelled);
        }
    }

    private GenerationResult run(GenerationRequest request, GenerationListener listener, BooleanSupplier cancelled) {
        int multiple = sizeMultiple();
        if (request.width() % multiple != 0 || request.height() % multiple != 0) {
            throw new IllegalArgumentException("width and height must be multiples of " + multiple + " for this model, got "
                    + request.width() + "×" + request.height());
        }
        int batch = request.batch();
        boolean cfg = request.classifierFreeGuidance();
        PipelineInputs inputs = request.inputs();
        int channels = transformer.config().inChannels();
        int lh = request.height() / vae.config().scaleFactor();
        int lw = request.width() / vae.config().scaleFactor();
        int[] latentShape = {batch, channels, lh, lw};
        int perItem = channels * lh * lw;

        // The plan is compiled before any model work, so an invalid token_density fails fast.
        Schedule run = scheduler.start(request.steps());
        int[] timesteps = run.timesteps();
        int rows = cfg ? 2 * batch : batch;
        int patch = transformer.config().patchSize();
        RegionalLayout layout = request.layout();
        RegionMap regionMap = layout == null ? null : regionMap(layout, lh, lw);
        DensityReport density = densityPlan(request, timesteps, regionMap);
        DensityPlan plan = density.plan();

        EncodedText positive = explicitText(inputs, "prompt_embeds", "prompt_attention_mask", batch);
        EncodedText negative = cfg ? explicitText(inputs, "negative_prompt_embeds", "negative_prompt_attention_mask", batch)
                : null;
        if (positive == null) {
            positive = encodeText(request.prompts());
        }
        if (cfg && negative == null) {
            negative = encodeText(java.util.Collections.nCopies(batch, request.negativePrompt()));
        }
        double tokenizeMs = positive.tokenizeMs() + (negative == null ? 0 : negative.tokenizeMs());
        double textMs = positive.encodeMs() + (negative == null ? 0 : negative.encodeMs());
        List<String> warnings = new ArrayList<>();
        plan.experimentalNote().ifPresent(warnings::add);
        List<HostTensor> regionEmbeds = null;
        if (layout != null) {
            regionEmbeds = explicitRegionEmbeds(inputs, layout.regions().size() + 1);
            if (regionEmbeds == null) {
                RegionText text = encodeRegionCaptions(layout.regionCaptions(), regionFields(layout));
                regionEmbeds = text.embeds();
                warnings.addAll(text.warnings());
                tokenizeMs += text.tokenizeMs();
                textMs += text.encodeMs();
            }
        }
        listener.onTextEncoded(tokenizeMs, textMs);

        CaptionContext caption = cfg
                ? transformer.prepareCaption(concatEmbeds(negative, positive), concat(negative.mask(), positive.mask()))
                : transformer.prepareCaption(ops.fromHost(positive.embeds().values(), positive.embeds().shape()),
                        positive.mask());
        RegionalContext regional = null;
        if (layout != null) {
            RegionMap map = regionMap;
            int p = patch;
            warnings.addAll(map.warnings());
            List<Tensor> embeds = new ArrayList<>();
            for (HostTensor e : regionEmbeds) {
                embeds.add(ops.fromHost(e.values(), e.shape()));
            }
            float beta = (float) layout.control().beta();
            // The layout steers the conditional rows only: [negative…, positive…] under guidance.
            regional = transformer.prepareRegions(embeds, map.ids(), lh / p, lw / p, cfg ? batch : 0, batch,
                    layout.control().selfAttention() ? beta : 1f, beta);
        }

        SeededNoise noise = new SeededNoise(request.seed(), batch);
        float[] latents = inputs.latentsInit()
                .map(t -> PipelineInputs.requireShape("latents_init", t, latentShape).clone())
                .orElseGet(() -> noise.next(perItem));
        float sigma = scheduler.initNoiseSigma();
        if (sigma != 1f) {
            for (int i = 0; i < latents.length; i++) {
                latents[i] *= sigma;
            }
        }
        // The reference passes binned pixel sizes; without binning they are the request's own.
        float[] resolution = new float[rows * 2];
        float[] aspect = new float[rows];
        for (int r = 0; r < rows; r++) {
            resolution[2 * r] = request.height();
            resolution[2 * r + 1] = request.width();
            aspect[r] = (float) ((double) request.height() / request.width());
        }

        List<HostTensor> perStep = new ArrayList<>();
        double[] stepMs = new double[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            if (cancelled.getAsBoolean()) {
                throw new GenerationCancelledException(i);
            }
            long s0 = System.nanoTime();
            float[] timestepRow = new float[rows];
            java.util.Arrays.fill(timestepRow, timesteps[i]);
            float[] input = cfg ? concat(latents, latents) : latents;
            int[] inputShape = {rows, channels, lh, lw};
            float[] out;
            // Everything a step allocates is released at its end, so the next step reuses the memory.
            try (Ops.Scope step = ops.scope()) {
                var conditioning = transformer.condition(timestepRow, resolution, aspect);
                // Regional attention only at the early steps (t ≥ until_t), where composition is decided.
                RegionalContext stepRegional = regional != null && timesteps[i] >= layout.control().untilT() ? regional : null;
                // The same operators for both guidance halves and every batch item.
                out = ops.toHost(transformer.forward(ops.fromHost(input, inputShape), caption, conditioning, stepRegional,
                        plan.step(i)));
            }
            float[] eps = guidedEpsilon(out, batch, cfg, (float) request.guidanceScale(), channels, lh * lw);
            float[] stepNoise = null;
            if (run.needsNoise(i)) {
                final int step = i;
                stepNoise = inputs.noise(i)
                        .map(t -> PipelineInputs.requireShape("noise_step" + step, t, latentShape))
                        .orElseGet(() -> noise.next(perItem));
            }
            latents = run.step(i, eps, latents, stepNoise);
            stepMs[i] = (System.nanoTime() - s0) / 1e6;
            perStep.add(new HostTensor(latents.clone(), latentShape));
            listener.afterStep(i, timesteps.length, timesteps[i], latents);
        }

        long v0 = System.nanoTime();
        float[] pixels;
        int[] decodedShape;
        try (Ops.Scope decode = ops.scope()) {
            Tensor decoded = vae.decode(ops.fromHost(latents, latentShape));
            pixels = ops.toHost(decoded);
            decodedShape = decoded.shape();
        }
        double vaeMs = (System.nanoTime() - v0) / 1e6;
        listener.onDecoded(vaeMs);
        List<HostTensor> images = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            images.add(toImage(pixels, b, decodedShape[2], decodedShape[3]));
        }
        return new GenerationResult(images, new HostTensor(pixels, decodedShape), perStep, timesteps,
                new GenerationResult.Timings(tokenizeMs, textMs, stepMs, vaeMs), warnings, density);
    }

    /**
     * The token-density plan {@link #generate} would run for this request and its FLOPs, compiled
     * without any model work, so a caller can refuse a request before it starts.
     *
     * @throws dev.lumen.contracts.density.InvalidDensityException if the request's token density
     *         does not fit this model (a block range past its depth, coarse in its last blocks)
     */
    public DensityReport planDensity(GenerationRequest request) {
        int lh = request.height() / vae.config().scaleFactor();
        int lw = request.width() / vae.config().scaleFactor();
        RegionMap regionMap = request.layout() == null ? null : regionMap(request.layout(), lh, lw);
        return densityPlan(request, scheduler.start(request.steps()).timesteps(), regionMap);
    }

    /** The request's plan for these timesteps, kept off region boundaries at the layout's regional steps. */
    private DensityReport densityPlan(GenerationRequest request, int[] timesteps, RegionMap regionMap) {
        int lh = request.height() / vae.config().scaleFactor();
        int lw = request.width() / vae.config().scaleFactor();
        int patch = transformer.config().patchSize();
        int rows = request.classifierFreeGuidance() ? 2 * request.batch() : request.batch();
        TokenGrid grid = new TokenGrid(lh / patch, lw / patch);
        TransformerFlops flops = new TransformerFlops(transformer.config(), rows, grid, captionTokens(request.inputs()));
        DensityPlan plan = DensityPlanner.compile(request.tokenDensity(), timesteps, flops);
        if (regionMap != null) {
            plan = regionalPlan(plan, request.layout(), regionMap, timesteps, grid);
        }
        return new DensityReport(plan, flops.run(plan), flops.denseRun(timesteps.length));
    }

    /** The layout's region of every token. */
    private RegionMap regionMap(RegionalLayout layout, int lh, int lw) {
        int patch = transformer.config().patchSize();
        // No resolution binning in this pipeline: the canvas is the requested image, so the
        // layout's boxes are already canvas fractions (RegionMap.toBinnedCanvas otherwise).
        return RegionMap.of(layout.boxes(), lh / patch, lw / patch);
    }

    /** The layout JSON field each region's caption came from, for warnings. */
    private static List<String> regionFields(RegionalLayout layout) {
        List<String> fields = new ArrayList<>();
        fields.add(layout.background() != null ? "background" : "caption");
        for (int r = 0; r < layout.regions().size(); r++) {
            fields.add("regions[" + r + "].caption");
        }
        return fields;
    }

    /** {@code region_embeds_0..R} from the explicit inputs: all of them, or null when none is given. */
    private List<HostTensor> explicitRegionEmbeds(PipelineInputs inputs, int regions) {
        if (inputs.names().stream().noneMatch(n -> n.startsWith("region_embeds_"))) {
            return null;
        }
        List<HostTensor> out = new ArrayList<>();
        for (int r = 0; r < regions; r++) {
            String name = "region_embeds_" + r;
            HostTensor t = inputs.get(name).orElseThrow(() -> new IllegalArgumentException("input " + name
                    + " is missing: explicit region embeddings need one per region 0.." + (regions - 1)));
            int[] s = t.shape();
            if (s.length != 2 || s[0] < 1 || s[1] != transformer.config().captionChannels()) {
                throw new IllegalArgumentException("input " + name + " has shape " + java.util.Arrays.toString(s)
                        + ", a region caption needs [tokens, " + transformer.config().captionChannels() + "]");
            }
            out.add(t);
        }
        String extra = "region_embeds_" + regions;
        if (inputs.get(extra).isPresent()) {
            throw new IllegalArgumentException("input " + extra + " has no region: the layout has regions 0.." + (regions - 1));
        }
        return out;
    }

    /**
     * The plan a layout run may execute. At regional steps (t ≥ until_t) no pooling mixes region ids
     * (layout.md §3.7): operators whose cells straddle regions become dense. Regional attention has
     * no pooled form yet, so there also every coarse block becomes dense, and under regional
     * self-attention every non-dense one; region-pure pooled blocks keep their pooled
     * self-attention when only cross-attention is regional.
     */
    static DensityPlan regionalPlan(DensityPlan plan, RegionalLayout layout, RegionMap map, int[] timesteps, TokenGrid grid) {
        int untilT = layout.control().untilT();
        IntPredicate regionalStep = s -> timesteps[s] >= untilT;
        DensityPlan pure = plan.respectingRegions(map.ids(), grid, regionalStep);
        boolean regionalAttention = (float) layout.control().beta() < 1f;
        boolean regionalSelf = regionalAttention && layout.control().selfAttention();
        return pure.denseWhere(regionalStep, op -> regionalSelf || (regionalAttention && op instanceof TokenOperator.Coarse),
                "dense where regional attention runs");
    }

    /** Caption tokens per transformer row: the explicit embeddings' length, else the pipeline's padding length. */
    private int captionTokens(PipelineInputs inputs) {
        return inputs.get("prompt_embeds").map(t -> t.shape().length == 3 ? t.shape()[1] : folder.maxSequenceLength())
                .orElse(folder.maxSequenceLength());
    }

    private EncodedText explicitText(PipelineInputs inputs, String embedsName, String maskName, int batch) {
        var embeds = inputs.get(embedsName);
        if (embeds.isEmpty()) {
            return null;
        }
        int[] s = embeds.get().shape();
        if (s.length != 3 || s[0] != batch || s[2] != transformer.config().captionChannels()) {
            throw new IllegalArgumentException("input " + embedsName + " has shape " + java.util.Arrays.toString(s)
                    + ", this run needs [" + batch + ", tokens, " + transformer.config().captionChannels() + "]");
        }
        float[] mask = inputs.get(maskName)
                .map(t -> PipelineInputs.requireShape(maskName, t, s[0], s[1]))
                .orElseThrow(() -> new IllegalArgumentException("input " + embedsName + " needs " + maskName + " beside it"));
        return new EncodedText(embeds.get(), mask);
    }

    private Tensor concatEmbeds(EncodedText a, EncodedText b) {
        int[] sa = a.embeds().shape();
        int[] sb = b.embeds().shape();
        if (sa[1] != sb[1]) {
            throw new IllegalArgumentException("negative and positive caption lengths differ: " + sa[1] + " vs " + sb[1]);
        }
        return ops.fromHost(concat(a.embeds().values(), b.embeds().values()), sa[0] + sb[0], sa[1], sa[2]);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Classifier-free guidance on the model output {@code [rows, outC, h, w]}, then the first
     * {@code channels} channels of each item (the learned-sigma half is dropped).
     */
    static float[] guidedEpsilon(float[] out, int batch, boolean cfg, float guidance, int channels, int plane) {
        int rows = cfg ? 2 * batch : batch;
        int outChannels = out.length / (rows * plane);
        float[] eps = new float[batch * channels * plane];
        for (int b = 0; b < batch; b++) {
            int cond = ((cfg ? batch + b : b) * outChannels) * plane;
            int uncond = (b * outChannels) * plane;
            for (int i = 0; i < channels * plane; i++) {
                float c = out[cond + i];
                eps[b * channels * plane + i] = cfg ? out[uncond + i] + guidance * (c - out[uncond + i]) : c;
            }
        }
        return eps;
    }

    /** {@code clamp(x / 2 + 0.5, 0, 1)} of batch item {@code b}, as {@code [H, W, 3]}. */
    private static HostTensor toImage(float[] decoded, int b, int height, int width) {
        int plane = height * width;
        float[] hwc = new float[plane * 3];
        for (int c = 0; c < 3; c++) {
            int base = (b * 3 + c) * plane;
            for (int p = 0; p < plane; p++) {
                hwc[p * 3 + c] = Math.min(1f, Math.max(0f, decoded[base + p] / 2f + 0.5f));
            }
        }
        return new HostTensor(hwc, new int[] {height, width, 3});
    }

    @Override
    public void close() {
        unloadTextEncoder();
        transformerWeights.close();
        vaeWeights.close();
    }
}
