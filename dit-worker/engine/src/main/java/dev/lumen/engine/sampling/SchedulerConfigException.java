package dev.lumen.engine.sampling;

/**
 * A scheduler configuration that cannot be used: unreadable, of an unknown class, or with a field whose
 * value is invalid or not supported by this engine. The message names the file and, where one is at
 * fault, the field.
 */
public class SchedulerConfigException extends IllegalArgumentException {
    private final String origin;
    private final String field;

    /**
     * @param origin the file (or other source) the configuration came from
     * @param field  the offending field, or {@code null} when the problem is not one field's
     * @param problem what is wrong, in words
     */
    public SchedulerConfigException(String origin, String field, String problem) {
        super(message(origin, field, problem));
        this.origin = origin;
        this.field = field;
    }

    /** As {@link #SchedulerConfigException(String, String, String)}, keeping the parser's error as the cause. */
    public SchedulerConfigException(String origin, String field, String problem, Throwable cause) {
        super(message(origin, field, problem), cause);
        this.origin = origin;
        this.field = field;
    }

    /** The file (or other source) the configuration came from. */
    public String origin() {
        return origin;
    }

    /** The offending field, or {@code null} when the problem is not one field's. */
    public String field() {
        return field;
    }

    private static String message(String origin, String field, String problem) {
        return field == null ? origin + ": " + problem : origin + ": field \"" + field + "\": " + problem;
    }
}
