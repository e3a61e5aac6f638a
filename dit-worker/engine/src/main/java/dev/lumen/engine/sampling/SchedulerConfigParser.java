package dev.lumen.engine.sampling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads diffusers {@code scheduler_config.json} files into {@link SchedulerConfig}s. Defaults are the
 * diffusers 0.31.0 constructor defaults of each class (they differ: LCMScheduler defaults to Stable
 * Diffusion's scaled_linear 0.00085–0.012 betas, DPMSolverMultistepScheduler to linear 0.0001–0.02).
 */
final class SchedulerConfigParser {

    /** Python's json module writes non-finite floats as bare tokens ({@code "lambda_min_clipped": -Infinity}). */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final String origin;
    private final JsonNode root;

    private SchedulerConfigParser(String origin, JsonNode root) {
        this.origin = origin;
        this.root = root;
    }

    static SchedulerConfig load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("scheduler_config.json") : path;
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new SchedulerConfigException(file.toString(), null, "cannot read the scheduler config: " + e, e);
        }
        return parse(text, file.toString());
    }

    static SchedulerConfig parse(String json, String origin) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new SchedulerConfigException(origin, null, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SchedulerConfigException(origin, null, "expected a JSON object");
        }
        return new SchedulerConfigParser(origin, root).read();
    }

    private SchedulerConfig read() {
        String className = string("_class_name", null);
        if (className == null) {
            throw fail("_class_name", "missing; expected " + DpmSolverConfig.CLASS_NAME + " or " + LcmConfig.CLASS_NAME);
        }
        return switch (className) {
            case DpmSolverConfig.CLASS_NAME -> readDpmSolver();
            case LcmConfig.CLASS_NAME -> readLcm();
            default -> throw fail("_class_name", "scheduler class " + className + " is not supported; expected "
                    + DpmSolverConfig.CLASS_NAME + " or " + LcmConfig.CLASS_NAME);
        };
    }

    private DpmSolverConfig readDpmSolver() {
        NoiseScheduleConfig noise = readNoise(0.0001, 0.02, BetaSchedule.LINEAR);
        readCommonRestrictions();

        String algorithm = string("algorithm_type", "dpmsolver++");
        if (!algorithm.equals("dpmsolver++")) {
            throw fail("algorithm_type", "only dpmsolver++ is implemented, got " + algorithm);
        }
        int order = integer("solver_order", 2);
        if (order != 1 && order != 2) {
            throw fail("solver_order", "must be 1 or 2 (order 3 is not implemented), got " + order);
        }
        // diffusers silently maps the UniPC/DEIS spellings logrho, bh1 and bh2 to midpoint; so do we.
        SolverType solverType = switch (string("solver_type", "midpoint")) {
            case "midpoint", "logrho", "bh1", "bh2" -> SolverType.MIDPOINT;
            case "heun" -> SolverType.HEUN;
            case String other -> throw fail("solver_type", "must be midpoint or heun, got " + other);
        };
        boolean lowerOrderFinal = bool("lower_order_final", true);
        boolean eulerAtFinal = bool("euler_at_final", false);
        for (String field : new String[] {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas",
                "use_lu_lambdas"}) {
            if (bool(field, false)) {
                throw fail(field, "true is not supported: this engine only samples on the training noise levels");
            }
        }
        FinalSigmasType finalSigmas = enumValue("final_sigmas_type", FinalSigmasType.ZERO, FinalSigmasType.values(),
                FinalSigmasType::configName);
        double lambdaMinClipped = number("lambda_min_clipped", Double.NEGATIVE_INFINITY);
        if (Double.isNaN(lambdaMinClipped)) {
            throw fail("lambda_min_clipped", "must be a number or -Infinity, got NaN");
        }
        String varianceType = string("variance_type", null);
        if (varianceType != null) {
            // diffusers would slice model_output[:, :3] for learned variances; the engine hands the scheduler
            // the epsilon half only (learned-sigma channels are dropped before the step), so no value fits.
            throw fail("variance_type", "must be null (the engine passes epsilon only), got " + varianceType);
        }
        TimestepSpacing spacing = enumValue("timestep_spacing", TimestepSpacing.LINSPACE, TimestepSpacing.values(),
                TimestepSpacing::configName);
        int stepsOffset = integer("steps_offset", 0);
        if (stepsOffset < 0) {
            throw fail("steps_offset", "must not be negative, got " + stepsOffset);
        }
        return new DpmSolverConfig(origin, noise, order, solverType, lowerOrderFinal, eulerAtFinal, finalSigmas,
                lambdaMinClipped, spacing, stepsOffset);
    }

    private LcmConfig readLcm() {
        NoiseScheduleConfig noise = readNoise(0.00085, 0.012, BetaSchedule.SCALED_LINEAR);
        readCommonRestrictions();

        int originalSteps = integer("original_inference_steps", 50);
        if (originalSteps < 1 || originalSteps > noise.numTrainTimesteps()) {
            throw fail("original_inference_steps", "must be between 1 and num_train_timesteps ("
                    + noise.numTrainTimesteps() + "), got " + originalSteps);
        }
        double scaling = number("timestep_scaling", 10.0);
        if (!(Double.isFinite(scaling) && scaling > 0)) {
            throw fail("timestep_scaling", "must be a positive finite number, got " + scaling);
        }
        boolean clipSample = bool("clip_sample", false);
        double clipRange = number("clip_sample_range", 1.0);
        if (!(Double.isFinite(clipRange) && clipRange > 0)) {
            throw fail("clip_sample_range", "must be a positive finite number, got " + clipRange);
        }
        // LCMScheduler.set_timesteps never reads timestep_spacing or steps_offset, and set_alpha_to_one only
        // matters for a negative previous timestep, which LCM's schedule never produces: type-checked only.
        string("timestep_spacing", "leading");
        integer("steps_offset", 0);
        bool("set_alpha_to_one", true);
        return new LcmConfig(origin, noise, originalSteps, scaling, clipSample, clipRange);
    }

    private NoiseScheduleConfig readNoise(double defaultStart, double defaultEnd, BetaSchedule defaultSchedule) {
        int steps = integer("num_train_timesteps", 1000);
        if (steps < 2) {
            throw fail("num_train_timesteps", "must be at least 2, got " + steps);
        }
        double start = number("beta_start", defaultStart);
        double end = number("beta_end", defaultEnd);
        if (!(start >= 0 && start < 1)) {
            throw fail("beta_start", "must be in [0, 1), got " + start);
        }
        if (!(end >= 0 && end < 1)) {
            throw fail("beta_end", "must be in [0, 1), got " + end);
        }
        BetaSchedule schedule = enumValue("beta_schedule", defaultSchedule, BetaSchedule.values(),
                BetaSchedule::configName);
        return new NoiseScheduleConfig(steps, start, end, schedule);
    }

    /** Fields both classes have whose non-default values select features this engine does not implement. */
    private void readCommonRestrictions() {
        if (present("trained_betas")) {
            throw fail("trained_betas", "explicit betas are not supported; use beta_schedule");
        }
        if (bool("rescale_betas_zero_snr", false)) {
            throw fail("rescale_betas_zero_snr", "true is not supported");
        }
        String prediction = string("prediction_type", "epsilon");
        if (!prediction.equals("epsilon")) {
            throw fail("prediction_type", "only epsilon prediction is implemented, got " + prediction);
        }
        if (bool("thresholding", false)) {
            throw fail("thresholding", "dynamic thresholding is not supported (it is meant for pixel-space models)");
        }
    }

    // --- typed field access; absent and null both mean "use the default", as in diffusers' from_config -------

    private boolean present(String field) {
        JsonNode node = root.get(field);
        return node != null && !node.isNull();
    }

    private String string(String field, String fallback) {
        if (!present(field)) {
            return fallback;
        }
        JsonNode node = root.get(field);
        if (!node.isString()) {
            throw fail(field, "expected a string, got " + node);
        }
        return node.asString();
    }

    private boolean bool(String field, boolean fallback) {
        if (!present(field)) {
            return fallback;
        }
        JsonNode node = root.get(field);
        if (!node.isBoolean()) {
            throw fail(field, "expected true or false, got " + node);
        }
        return node.booleanValue();
    }

    private int integer(String field, int fallback) {
        if (!present(field)) {
            return fallback;
        }
        JsonNode node = root.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw fail(field, "expected an integer, got " + node);
        }
        return node.intValue();
    }

    private double number(String field, double fallback) {
        if (!present(field)) {
            return fallback;
        }
        JsonNode node = root.get(field);
        if (!node.isNumber()) {
            throw fail(field, "expected a number, got " + node);
        }
        return node.doubleValue();
    }

    private <E extends Enum<E>> E enumValue(String field, E fallback, E[] values, Function<E, String> spelling) {
        String name = string(field, null);
        if (name == null) {
            return fallback;
        }
        for (E value : values) {
            if (spelling.apply(value).equals(name)) {
                return value;
            }
        }
        throw fail(field, "unsupported value " + name + "; expected one of "
                + Arrays.stream(values).map(spelling).toList());
    }

    private SchedulerConfigException fail(String field, String problem) {
        return new SchedulerConfigException(origin, field, problem);
    }
}
