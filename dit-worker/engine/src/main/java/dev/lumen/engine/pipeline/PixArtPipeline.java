package dev.lumen.engine.pipeline;

import dev.lumen.engine.density.DensityPlan;
import dev.lumen.engine.density.DensityPlanner;
import dev.lumen.engine.density.DensityReport;
import dev.lumen.engine.density.TransformerFlops;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.model.pixart.CaptionContext;
import dev.lumen.engine.model.pixart.PixArtConfig;
import dev.lumen.engine.model.pixart.PixArtTransformer;
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

/**
 * Prompt → image, as diffusers' {@code PixArtAlphaPipeline} / {@code PixArtSigmaPipeline} compute it
 * with {@code clean_caption=False} and {@code use_resolution_binning=False}: captions lower-cased
 * and stripped, tokenised to the pipeline's length, T5-encoded; latents denoised with the
 * checkpoint's scheduler and classifier-free guidance (batch [negative…, positive…], guidance on
 * all output channels, learned-sigma half dropped); VAE-decoded and mapped to [0, 1].
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
        TransformerFlops flops = new TransformerFlops(transformer.config(), rows,
                new TokenGrid(lh / patch, lw / patch), captionTokens(inputs));
        DensityPlan plan = DensityPlanner.compile(request.tokenDensity(), timesteps, flops);
        DensityReport density = new DensityReport(plan, flops.run(plan), flops.denseRun(timesteps.length));

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
        listener.onTextEncoded(tokenizeMs, textMs);

        CaptionContext caption = cfg
                ? transformer.prepareCaption(concatEmbeds(negative, positive), concat(negative.mask(), positive.mask()))
                : transformer.prepareCaption(ops.fromHost(positive.embeds().values(), positive.embeds().shape()),
                        positive.mask());

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
                // The same operators for both guidance halves and every batch item.
                out = ops.toHost(transformer.forward(ops.fromHost(input, inputShape), caption, conditioning,
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
                new GenerationResult.Timings(tokenizeMs, textMs, stepMs, vaeMs), density);
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
