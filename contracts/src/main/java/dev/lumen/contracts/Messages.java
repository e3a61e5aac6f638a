package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.RecordComponent;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.contracts.layout.LayoutProblem;
import dev.lumen.contracts.layout.LayoutValidator;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON encoding of Lumen's Kafka messages, following the schemas in {@code schemas/}.
 * Reading checks the {@code schema} field against the expected type before binding, so a producer
 * on another major version, or on a newer minor one, is refused clearly instead of half-read.
 *
 * <p>Versions are {@code lumen.<type>/v<major>[.<minor>]}. A minor version only adds optional
 * fields, so a reader accepts every minor version up to its own (a {@code v1} message reads as
 * {@code v1.1}, its new fields absent) and writes its own. It refuses a newer minor version
 * although it could parse it, because ignoring a field it does not know (a layout's
 * {@code control}, say) would silently do less than asked: upgrade consumers before producers.
 * Unknown fields are otherwise tolerated. Fields marked {@code @JsonProperty(required = true)} must
 * be present and non-null in both directions, and layouts in a spec must follow
 * {@link LayoutValidator} at {@link LayoutLimits#HARD}, so a producer cannot emit what its
 * consumers would refuse. Every failure is a {@link ContractException} that names the message type
 * and the field.
 */
public final class Messages {
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // The schemas say "date-time" strings and lower-case enum names. Jackson 3 already defaults to
            // ISO-8601 instants; pinning it here keeps the wire format from following a library default.
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            // Enums travel as names; an index (2 for "completed") would silently depend on declaration order.
            .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private static final Map<Class<? extends Message>, String> SCHEMAS = Map.of(
            JobSubmitted.class, JobSubmitted.SCHEMA,
            TaskMessage.class, TaskMessage.SCHEMA,
            WorkerEvent.class, WorkerEvent.SCHEMA,
            JobState.class, JobState.SCHEMA,
            ControlMessage.class, ControlMessage.SCHEMA,
            DeadLetter.class, DeadLetter.SCHEMA);

    private static final Pattern VERSION = Pattern.compile("(lumen\\.[a-z-]+)/v(\\d{1,4})(?:\\.(\\d{1,4}))?");

    private Messages() {
    }

    /** The mapper messages are written with; use it for JSON that travels inside messages (layouts). */
    public static JsonMapper json() {
        return JSON;
    }

    /** The {@code schema} value a message type carries, e.g. {@code lumen.job-submitted/v1}. */
    public static String schemaOf(Class<? extends Message> type) {
        return SCHEMAS.get(type);
    }

    /**
     * The class-path resource holding the JSON schema (draft 2020-12) of the version a message type
     * writes, named after its {@code schema} value: {@code lumen.job-submitted/v1.1} →
     * {@code schemas/job-submitted.v1.1.json}. Older versions keep their files.
     */
    public static String schemaResource(Class<? extends Message> type) {
        return "schemas/" + schemaOf(type).substring("lumen.".length()).replace('/', '.') + ".json";
    }

    /**
     * Writes a message as UTF-8 JSON.
     *
     * @throws ContractException if it carries another type's schema or lacks a required field
     */
    public static byte[] encode(Message message) {
        String type = message.getClass().getSimpleName();
        String expected = SCHEMAS.get(message.getClass());
        if (!expected.equals(message.schema())) {
            throw new ContractException(type + " must carry schema \"" + expected + "\", not \"" + message.schema() + "\"");
        }
        requirePresent(type, message, "");
        requireValidLayouts(type, message);
        try {
            return JSON.writeValueAsBytes(message);
        } catch (JacksonException e) {
            throw new ContractException(type + ": cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a message of the given type.
     *
     * @throws ContractException for malformed JSON, a missing or other {@code schema}, a missing or null
     *                           required field, or a value of the wrong type
     */
    public static <T extends Message> T decode(byte[] bytes, Class<T> type) {
        String name = type.getSimpleName();
        String expected = SCHEMAS.get(type);
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (StreamReadException e) {
            throw new ContractException(name + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            throw new ContractException(name + ": expected a JSON object");
        }
        JsonNode schema = tree.get("schema");
        if (schema == null || !schema.isString()) {
            throw new ContractException(name + ": field \"schema\" is missing, expected \"" + expected + "\"");
        }
        if (!expected.equals(schema.asString())) {
            checkOlderMinor(name, schema.asString(), expected);
            // An older minor version is a valid message of the current one (minor versions only add optional fields).
            ((tools.jackson.databind.node.ObjectNode) tree).put("schema", expected);
        }
        T message;
        try {
            message = JSON.treeToValue(tree, type);
        } catch (JacksonException e) {
            String at = e.getPath().isEmpty() ? "" : " at " + path(e);
            throw new ContractException(name + ": does not follow " + expected + at + ": " + e.getOriginalMessage(), e);
        }
        requirePresent(name, message, "");
        requireValidLayouts(name, message);
        return message;
    }

    /** Accepts {@code read} if it is {@code expected}'s type and major version at an older minor version. */
    private static void checkOlderMinor(String type, String read, String expected) {
        Matcher r = VERSION.matcher(read);
        Matcher e = VERSION.matcher(expected);
        if (!e.matches()) {
            throw new IllegalStateException("malformed schema constant " + expected);
        }
        if (r.matches() && r.group(1).equals(e.group(1)) && r.group(2).equals(e.group(2))) {
            int readMinor = r.group(3) == null ? 0 : Integer.parseInt(r.group(3));
            int ownMinor = e.group(3) == null ? 0 : Integer.parseInt(e.group(3));
            if (readMinor <= ownMinor) {
                return;
            }
            throw new ContractException(type + ": schema is \"" + read + "\", newer than this reader's \"" + expected
                    + "\"; it may carry fields this reader would ignore (upgrade consumers before producers)");
        }
        throw new ContractException(type + ": schema is \"" + read + "\", expected \"" + expected
                + "\" (a producer on another version?)");
    }

    /** The specs a message carries: one for a job or its state, one per job for a task. */
    private static List<Map.Entry<String, GenerationSpec>> specs(Message message) {
        return switch (message) {
            case JobSubmitted j -> j.spec() == null ? List.of() : List.of(Map.entry("spec", j.spec()));
            case JobState s -> s.spec() == null ? List.of() : List.of(Map.entry("spec", s.spec()));
            case TaskMessage t -> {
                List<Map.Entry<String, GenerationSpec>> out = new java.util.ArrayList<>();
                for (int i = 0; i < t.jobs().size(); i++) {
                    TaskMessage.TaskJob job = t.jobs().get(i);
                    if (job != null && job.spec() != null) {
                        out.add(Map.entry("jobs[" + i + "].spec", job.spec()));
                    }
                }
                yield out;
            }
            default -> List.of();
        };
    }

    private static void requireValidLayouts(String type, Message message) {
        for (Map.Entry<String, GenerationSpec> spec : specs(message)) {
            if (spec.getValue().layout() == null) {
                continue;
            }
            List<LayoutProblem> problems = LayoutValidator.check(spec.getValue().layout(), LayoutLimits.HARD,
                    spec.getKey() + ".layout");
            if (!problems.isEmpty()) {
                throw new ContractException(type + ": " + problems.getFirst()
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
            }
        }
    }

    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Walks a record tree and refuses null in a required component. Jackson already refuses a missing
     * required property when reading, but an explicit {@code null} passes it, and so does a Java caller
     * that constructs a message with one.
     */
    private static void requirePresent(String type, Object value, String path) {
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                requirePresent(type, item, path + "[" + i++ + "]");
            }
            return;
        }
        if (value == null || !value.getClass().isRecord()
                || !value.getClass().getPackageName().equals(Messages.class.getPackageName())) {
            return;
        }
        for (RecordComponent component : value.getClass().getRecordComponents()) {
            Object field;
            try {
                field = component.getAccessor().invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
            String fieldPath = path.isEmpty() ? component.getName() : path + "." + component.getName();
            // @JsonProperty has no RECORD_COMPONENT target, so javac puts it on the accessor (among others).
            JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
            if (field == null && property != null && property.required()) {
                throw new ContractException(type + ": required field \"" + fieldPath + "\" is missing or null");
            }
            requirePresent(type, field, fieldPath);
        }
    }

    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return "\"" + path + "\"";
    }
}
