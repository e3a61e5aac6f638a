package dev.lumen.engine.pipeline;

import dev.lumen.engine.config.ConfigException;
import dev.lumen.engine.sampling.DpmSolverConfig;
import dev.lumen.engine.sampling.LcmConfig;
import dev.lumen.engine.sampling.SchedulerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The two samplers Lumen offers and their defaults: DPM-Solver++ (PixArt-α/Σ's own scheduler,
 * 20 steps, guidance 4.5) and LCM (PixArt-LCM's, 4 steps, guidance 0 since the distilled model has
 * CFG baked in).
 */
public enum SamplerKind {
    DPM_SOLVER("dpm-solver", 20, 4.5),
    LCM("lcm", 4, 0.0);

    private final String cliName;
    private final int defaultSteps;
    private final double defaultGuidance;

    SamplerKind(String cliName, int defaultSteps, double defaultGuidance) {
        this.cliName = cliName;
        this.defaultSteps = defaultSteps;
        this.defaultGuidance = defaultGuidance;
    }

    public String cliName() {
        return cliName;
    }

    public int defaultSteps() {
        return defaultSteps;
    }

    public double defaultGuidance() {
        return defaultGuidance;
    }

    public static SamplerKind of(SchedulerConfig config) {
        return config instanceof LcmConfig ? LCM : DPM_SOLVER;
    }

    public static SamplerKind parse(String name) {
        for (SamplerKind k : values()) {
            if (k.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown sampler '" + name + "' (dpm-solver or lcm)");
    }

    /** The scheduler a run uses: its config and the sampler kind it is. */
    public record Choice(SchedulerConfig config, SamplerKind kind) {
    }

    /**
     * Picks the scheduler for a model folder: an explicit sub-folder wins; otherwise the folder's
     * own scheduler when it is of the requested kind (or none was requested); otherwise another
     * sub-folder holding a scheduler of that kind (e.g. {@code scheduler-lcm/}); otherwise the
     * requested sampler with its PixArt defaults over the folder's noise schedule.
     */
    public static Choice choose(ModelFolder folder, String sampler, String schedulerSubdir) {
        SamplerKind wanted = sampler == null ? null : parse(sampler);
        if (schedulerSubdir != null) {
            SchedulerConfig c = SchedulerConfig.load(folder.root().resolve(schedulerSubdir).resolve("scheduler_config.json"));
            if (wanted != null && of(c) != wanted) {
                throw new ConfigException(folder.root().resolve(schedulerSubdir) + " holds a " + c.className()
                        + ", not a " + wanted.cliName + " scheduler");
            }
            return new Choice(c, of(c));
        }
        SchedulerConfig own = SchedulerConfig.load(folder.scheduler().resolve("scheduler_config.json"));
        if (wanted == null || of(own) == wanted) {
            return new Choice(own, of(own));
        }
        for (Path candidate : schedulerFolders(folder.root())) {
            SchedulerConfig c = SchedulerConfig.load(candidate.resolve("scheduler_config.json"));
            if (of(c) == wanted) {
                return new Choice(c, wanted);
            }
        }
        SchedulerConfig derived = switch (wanted) {
            case LCM -> new LcmConfig("lcm defaults over " + own.origin(), own.noise(), 50, 10.0, false, 1.0);
            case DPM_SOLVER -> {
                DpmSolverConfig d = DpmSolverConfig.defaults();
                yield new DpmSolverConfig("dpm-solver defaults over " + own.origin(), own.noise(), d.solverOrder(),
                        d.solverType(), d.lowerOrderFinal(), d.eulerAtFinal(), d.finalSigmasType(), d.lambdaMinClipped(),
                        d.timestepSpacing(), d.stepsOffset());
            }
        };
        return new Choice(derived, wanted);
    }

    private static List<Path> schedulerFolders(Path root) {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(p -> Files.isRegularFile(p.resolve("scheduler_config.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }
}
