package dev.lumen.contracts;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON encoding of Lumen's Kafka messages. Reading checks the {@code schema} field against the
 * expected type before binding, so a producer on a newer major version is refused clearly instead
 * of half-read; unknown fields are tolerated (additive changes within a version).
 */
public final class Messages {
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
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

    public static JsonMapper json() {
        return JSON;
    }

    public static byte[] encode(Message message) {
        String expected = SCHEMAS.get(message.getClass());
        if (!expected.equals(message.schema())) {
            throw new ContractException(message.getClass().getSimpleName() + " must carry schema " + expected
                    + ", not " + message.schema());
        }
        return JSON.writeValueAsBytes(message);
    }

    public static <T extends Message> T decode(byte[] bytes, Class<T> type) {
        String expected = SCHEMAS.get(type);
        try {
            JsonNode tree = JSON.readTree(bytes);
            if (tree == null || !tree.isObject()) {
                throw new ContractException(type.getSimpleName() + ": expected a JSON object");
            }
            JsonNode schema = tree.get("schema");
            if (schema == null || !expected.equals(schema.asString())) {
                throw new ContractException(type.getSimpleName() + ": schema is " + schema + ", expected \"" + expected + "\"");
            }
            return JSON.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new ContractException(type.getSimpleName() + ": not valid JSON for this schema: " + e.getOriginalMessage(), e);
        }
    }

    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
