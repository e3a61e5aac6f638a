package dev.lumen.worker;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.engine.density.TokenDensity;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.pipeline.GenerationListener;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.pipeline.SamplerKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model a worker serves, loaded once: the backend, one pipeline per served sampler (the
 * pipeline fixes its scheduler at load time) and the preview map fitted at warm-up. It validates
 * specs before anything runs and turns a job's spec into one engine batch. Used by one thread at a
 * time (the worker's engine thread; the warm-up runs before that thread exists).
 */
final class LoadedModel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadedModel.class);
    private static final int MAX_STEPS = 1000;
    private static final int MAX_SIDE = 4096;
    private static final int WARMUP_STEPS = 2;

    private final String name;
    // Replaced whole by reopen(), on the engine thread, which is also the only thread that runs it;
    // null between letting a lost device go and opening the next, so nothing is closed twice.
    private volatile Engine engine;
    private final String defaultSampler;
    private final int latentChannels;
    private final int scaleFactor;
    private final int sizeMultiple;
    private volatile LatentPreview preview;
    private final java.util.concurrent.atomic.AtomicInteger loaded = new java.util.concurrent.atomic.AtomicInteger();

    private LoadedModel(String name, Engine engine, String defaultSampler) {
        this.name = name;
        this.engine = engine;
        this.defaultSampler = defaultSampler;
        PixArtPipeline first = engine.pipelines().get(defaultSampler);
        this.latentChannels = first.transformer().config().inChannels();
        this.scaleFactor = first.vae().config().scaleFactor();
        this.sizeMultiple = first.sizeMultiple();
    }

    /** Opens the backend and loads a pipeline per served sampler; on failure everything opened is closed again. */
    static LoadedModel load(WorkerConfig config) {
        long t0 = System.nanoTime();
        Engine engine = open(config);
        LoadedModel model = new LoadedModel(config.modelName(), engine, engine.pipelines().keySet().iterator().next());
        log.info("model loaded model={} dir={} backend={} samplers={} ms={}", config.modelName(), config.modelDir(),
                engine.ops().name(), engine.pipelines().keySet(), (System.nanoTime() - t0) / 1_000_000);
        return model;
    }

    /** The open backend and a pipeline per served sampler on it: what a lost device takes with it. */
    private record Engine(Ops ops, Map<String, PixArtPipeline> pipelines) implements AutoCloseable {
        /** Closes the pipelines, then the backend; the first failure is thrown with the others suppressed. */
        @Override
        public void close() {
            List<RuntimeException> failures = new ArrayList<>();
            for (PixArtPipeline p : pipelines.values()) {
                try {
                    p.close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            try {
                ops.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
            if (!failures.isEmpty()) {
                RuntimeException first = failures.getFirst();
                failures.subList(1, failures.size()).forEach(first::addSuppressed);
                throw first;
            }
        }
    }

    private static Engine open(WorkerConfig config) {
        Ops ops = config.backend().open();
        Map<String, PixArtPipeline> pipelines = new LinkedHashMap<>();
        try {
            ModelFolder folder = ModelFolder.open(config.modelDir());
            List<String> wanted = config.samplers().isEmpty() ? Collections.singletonList(null) : config.samplers();
            for (String sampler : wanted) {
                SamplerKind.Choice choice = SamplerKind.choose(folder, sampler, null);
                if (!pipelines.containsKey(choice.kind().cliName())) {
                    pipelines.put(choice.kind().cliName(), PixArtPipeline.load(folder, ops, choice.config()));
                }
            }
            return new Engine(ops, pipelines);
        } catch (RuntimeException e) {
            try {
                new Engine(ops, pipelines).close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * After the device was lost: lets go of the old device and everything on it, opens the backend
     * afresh (a new Vulkan instance and device), uploads the weights again and warms up. Runs on the
     * engine thread between tasks. Failures of the old device's teardown are logged, not thrown (a
     * lost device may refuse to be destroyed cleanly); a failure to open the new one is thrown.
     */
    void reopen(WorkerConfig config) {
        long t0 = System.nanoTime();
        Engine lost = engine;
        engine = null;
        try {
            lost.close();
        } catch (RuntimeException e) {
            log.warn("closing the lost device failed model={} error={}", name, e.toString());
        }
        engine = open(config);
        warmUp(config.warmupSize());
        log.info("model reopened on a new device model={} backend={} ms={}", name, engine.ops().name(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * One small generation on the default sampler, so the first task does not pay for lazy
     * initialisation (kernel compilation, buffer pools, JIT), and the preview map is fitted from it.
     */
    void warmUp(int size) {
        long t0 = System.nanoTime();
        int side = Math.max(sizeMultiple, size / sizeMultiple * sizeMultiple);
        SamplerKind kind = SamplerKind.parse(defaultSampler);
        GenerationResult result = engine.pipelines().get(defaultSampler).generate(new GenerationRequest(List.of("warm-up"), "",
                WARMUP_STEPS, kind.defaultGuidance(), side, side, 0, null));
        int cells = side / scaleFactor;
        preview = LatentPreview.fit(result.latentsPerStep().getLast().values(), latentChannels, cells, cells,
                result.images().getFirst());
        log.info("model warmed up model={} size={} ms={}", name, side, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Refuses a spec this model can never run. The engine would refuse most of these too, but later
     * and after a STARTED event; checking first makes poison cheap.
     */
    void validate(GenerationSpec spec) {
        if (!name.equals(spec.model())) {
            throw new InvalidSpecException("model_not_served", "this pool serves model '" + name + "', not '"
                    + spec.model() + "'");
        }
        if (!engine.pipelines().containsKey(spec.sampler())) {
            throw new InvalidSpecException("sampler_not_served", "sampler '" + spec.sampler()
                    + "' is not served by this worker (serves " + engine.pipelines().keySet() + ")");
        }
        if (spec.width() < sizeMultiple || spec.height() < sizeMultiple || spec.width() > MAX_SIDE
                || spec.height() > MAX_SIDE || spec.width() % sizeMultiple != 0 || spec.height() % sizeMultiple != 0) {
            throw new InvalidSpecException("invalid_size", "size " + spec.width() + "x" + spec.height()
                    + " must be multiples of " + sizeMultiple + " between " + sizeMultiple + " and " + MAX_SIDE);
        }
        if (spec.steps() < 1 || spec.steps() > MAX_STEPS) {
            throw new InvalidSpecException("invalid_steps", "steps must be 1.." + MAX_STEPS + ", not " + spec.steps());
        }
        if (spec.n() < 1 || spec.n() > WorkerConfig.maxImagesPerJob()) {
            throw new InvalidSpecException("invalid_n", "n must be 1.." + WorkerConfig.maxImagesPerJob() + ", not " + spec.n());
        }
        if (!Double.isFinite(spec.guidanceScale())) {
            throw new InvalidSpecException("invalid_guidance", "guidance scale must be a finite number");
        }
        if (spec.prompt() == null) {
            throw new InvalidSpecException("invalid_prompt", "prompt is missing");
        }
        // Maps the layout now, so a layout the engine cannot run fails before STARTED, not mid-task.
        regionalLayout(spec.layout());
        // Compiles the token-density plan now for the same reason: what only the model can refuse
        // (blocks past its depth, coarse in its last blocks) fails the job with the rule named.
        try {
            engine.pipelines().get(spec.sampler()).planDensity(request(spec));
        } catch (dev.lumen.contracts.density.InvalidDensityException e) {
            throw new InvalidSpecException(EngineDensities.INVALID, e.getMessage());
        }
    }

    /**
     * The engine request of one job: its prompt {@code n} times as one batch, at the job's token
     * density. The engine seeds batch item {@code i} with {@code seed + i}, which is exactly the
     * job's seeds seed..seed+n-1, so a job's images do not depend on which other jobs share its task.
     */
    static GenerationRequest request(GenerationSpec spec) {
        RegionalLayout regional = regionalLayout(spec.layout());
        TokenDensity density = EngineDensities.toEngine(spec.tokenDensity());
        if (regional != null) {
            return GenerationRequest.withLayout(regional, spec.n(), spec.negativePrompt(), spec.steps(),
                    spec.guidanceScale(), spec.width(), spec.height(), spec.seed(), null).withTokenDensity(density);
        }
        return new GenerationRequest(Collections.nCopies(spec.n(), spec.prompt()), spec.negativePrompt(), spec.steps(),
                spec.guidanceScale(), spec.width(), spec.height(), spec.seed(), null, density);
    }

    /** The engine's regional input for a job's layout ({@link EngineLayouts#toEngine}); null for none. */
    static RegionalLayout regionalLayout(Layout layout) {
        return EngineLayouts.toEngine(layout);
    }

    /** Runs one job (validated) on its sampler's pipeline. */
    GenerationResult generate(GenerationSpec spec, GenerationListener listener, BooleanSupplier cancelled) {
        return engine.pipelines().get(spec.sampler()).generate(request(spec), listener, cancelled);
    }

    String name() {
        return name;
    }

    int latentChannels() {
        return latentChannels;
    }

    int scaleFactor() {
        return scaleFactor;
    }

    /** The backend's name ({@code cpu}, {@code vulkan}), the {@code backend} label of the step histogram. */
    String backendName() {
        return engine.ops().name();
    }

    /** Registers {@code lumen_models_loaded{model}}: 1 from now until {@link #close()}. */
    void reportLoaded(io.micrometer.core.instrument.MeterRegistry meters) {
        loaded.set(1);
        io.micrometer.core.instrument.Gauge.builder(dev.lumen.observability.LumenMetrics.MODELS_LOADED, loaded,
                        java.util.concurrent.atomic.AtomicInteger::get)
                .description("Models a worker holds loaded").tag("model", name).register(meters);
    }

    /** The preview map, or null before warm-up. */
    LatentPreview preview() {
        return preview;
    }

    /** Closes the pipelines and the backend (none if a reopen failed, having let the lost ones go). */
    @Override
    public void close() {
        loaded.set(0);
        Engine open = engine;
        engine = null;
        if (open != null) {
            open.close();
        }
    }
}
