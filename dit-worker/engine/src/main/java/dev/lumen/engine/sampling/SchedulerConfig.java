package dev.lumen.engine.sampling;

import java.nio.file.Path;

/**
 * A diffusers scheduler configuration ({@code scheduler/scheduler_config.json}) of one of the two
 * scheduler classes this engine implements. Read one with {@link #load(Path)}; turn it into a
 * {@link Scheduler} with {@link Scheduler#create(SchedulerConfig)}.
 *
 * <p>Parsing follows diffusers 0.31.0: absent (or {@code null}) fields take the class's constructor
 * defaults, unknown fields are ignored, and the bare {@code -Infinity}/{@code Infinity}/{@code NaN}
 * tokens Python's json module writes are accepted. A value diffusers would reject, or that selects a
 * feature this engine does not implement, throws a {@link SchedulerConfigException} naming the file and
 * the field.
 */
public sealed interface SchedulerConfig permits DpmSolverConfig, LcmConfig {

    /** Where the configuration came from (a file path, or a label for configurations built in code). */
    String origin();

    /** The training noise schedule. */
    NoiseScheduleConfig noise();

    /** The diffusers class name this configuration stands for ({@code _class_name}). */
    String className();

    /**
     * Reads a {@code scheduler_config.json}, or the {@code scheduler_config.json} inside a folder.
     *
     * @throws SchedulerConfigException if the file cannot be read or holds an invalid or unsupported value
     */
    static SchedulerConfig load(Path path) {
        return SchedulerConfigParser.load(path);
    }

    /**
     * Parses the text of a {@code scheduler_config.json}.
     *
     * @param json   the file's content
     * @param origin a name for the source, used in error messages
     * @throws SchedulerConfigException if the text is not a JSON object or holds an invalid or unsupported value
     */
    static SchedulerConfig parse(String json, String origin) {
        return SchedulerConfigParser.parse(json, origin);
    }
}
