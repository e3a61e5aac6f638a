package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON encoding of Lumen's Kafka messages, following the schemas in {@code schemas/*.v1.json}.
 * Reading checks the {@code schema} field against the expected type before binding, so a producer
 * on a newer major version is refused clearly instead of half-read; unknown fields are tolerated
 * (additive changes within a version). Fields marked {@code @JsonProperty(required = true)} must be
 * present and non-null in both directions, so a producer cannot emit what its consumers would
 * refuse. Every failure is a {@link ContractException} that names the message type and the field.
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
     * The class-path resource holding a message type's JSON schema (draft 2020-12), named after its
     * {@code schema} value: {@code lumen.job-submitted/v1} → {@code schemas/job-submitted.v1.json}.
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
            throw new ContractException(name + ": schema is \"" + schema.asString() + "\", expected \"" + expected
                    + "\" (a producer on another version?)");
        }
        T message;
        try {
            message = JSON.treeToValue(tree, type);
        } catch (JacksonException e) {
            String at = e.getPath().isEmpty() ? "" : " at " + path(e);
            throw new ContractException(name + ": does not follow " + expected + at + ": " + e.getOriginalMessage(), e);
        }
        requirePresent(name, message, "");
        return message;
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
