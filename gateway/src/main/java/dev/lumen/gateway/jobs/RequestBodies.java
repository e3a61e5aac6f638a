package dev.lumen.gateway.jobs;

import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.errors.ProblemType;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import reactor.core.publisher.Mono;

/**
 * Reads a JSON request body as bytes, bounded: refuses a body over the limit (by its
 * {@code Content-Length} before reading, or while reading a chunked one) with 413 and anything but
 * JSON with 415. The controllers parse the bytes themselves ({@link RequestParser}) so every
 * malformed input becomes a 400 that names the problem.
 */
public final class RequestBodies {
    private RequestBodies() {
    }

    public static Mono<byte[]> json(ServerHttpRequest request, int maxBytes) {
        MediaType type;
        try {
            type = request.getHeaders().getContentType();
        } catch (RuntimeException e) {
            return Mono.error(new ApiException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "Content-Type is malformed; send application/json"));
        }
        if (type == null || !(MediaType.APPLICATION_JSON.isCompatibleWith(type)
                || ("application".equals(type.getType()) && type.getSubtype().endsWith("+json")))) {
            return Mono.error(new ApiException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/json, not " + (type == null ? "none" : type.toString())));
        }
        if (type.getCharset() != null && !StandardCharsets.UTF_8.equals(type.getCharset())) {
            return Mono.error(new ApiException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "JSON must be UTF-8, not " + type.getCharset()));
        }
        long length = request.getHeaders().getContentLength();
        if (length > maxBytes) {
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
                .onErrorMap(org.springframework.core.io.buffer.DataBufferLimitException.class, e -> tooLarge(maxBytes));
    }

    private static ApiException tooLarge(int maxBytes) {
        return new ApiException(ProblemType.PAYLOAD_TOO_LARGE, "request body must be at most " + maxBytes + " bytes");
    }

}
