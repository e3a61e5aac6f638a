package dev.lumen.layout.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies strictly: JSON only (415 otherwise), at most {@code maxBytes} (413), valid
 * UTF-8, one JSON object without duplicate keys or trailing data, and fields of exactly the
 * expected types, with unknown fields refused, so every mistake is a 400 naming the field.
 */
final class JsonRequests {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonRequests() {
    }

    static Mono<JsonNode> object(ServerHttpRequest request, int maxBytes, Set<String> fields) {
        MediaType type;
        try {
            type = request.getHeaders().getContentType();
        } catch (RuntimeException e) {
            type = null;
        }
        if (type == null || !(MediaType.APPLICATION_JSON.isCompatibleWith(type)
                || ("application".equals(type.getType()) && type.getSubtype().endsWith("+json")))) {
            return Mono.error(new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                    "Content-Type must be application/json, not " + (type == null ? "none" : type), Map.of()));
        }
        if (request.getHeaders().getContentLength() > maxBytes) {
            return Mono.error(tooLarge(maxBytes));
        }
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(DataBufferLimitException.class, e -> tooLarge(maxBytes))
                .map(bytes -> parse(bytes, fields));
    }

    static JsonNode parse(byte[] body, Set<String> fields) {
        if (body.length == 0) {
            throw ProblemException.invalid("body", "is empty; send a JSON object");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw ProblemException.invalid("body", "is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            String why = String.valueOf(e.getOriginalMessage());
            throw ProblemException.invalid("body", "is not valid JSON: " + (why.length() > 200 ? why.substring(0, 200) : why));
        }
        if (root == null || !root.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        for (String name : root.propertyNames()) {
            if (!fields.contains(name)) {
                throw ProblemException.invalid(name.length() > 64 ? name.substring(0, 64) + "…" : name,
                        "is not a known field; known fields: " + new TreeSet<>(fields));
            }
        }
        return root;
    }

    static String string(JsonNode root, String field, int maxChars, boolean required) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw ProblemException.invalid(field, "is required and must be a non-blank string");
            }
            return null;
        }
        if (!node.isString()) {
            throw ProblemException.invalid(field, "must be a string");
        }
        String value = node.asString();
        if (required && value.isBlank()) {
            throw ProblemException.invalid(field, "is required and must be a non-blank string");
        }
        if (value.codePointCount(0, value.length()) > maxChars) {
            throw ProblemException.invalid(field, "must be at most " + maxChars + " characters");
        }
        if (value.indexOf('\u0000') >= 0) {
            throw ProblemException.invalid(field, "must not contain NUL characters");
        }
        return value;
    }

    static int integer(JsonNode root, String field, int min, int max, int fallback) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw ProblemException.invalid(field, "must be an integer within " + min + ".." + max);
        }
        int value = node.asInt();
        if (value < min || value > max) {
            throw ProblemException.invalid(field, "must be within " + min + ".." + max + ", not " + value);
        }
        return value;
    }

    private static ProblemException tooLarge(int maxBytes) {
        return new ProblemException(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large",
                "request body must be at most " + maxBytes + " bytes", Map.of());
    }
}
