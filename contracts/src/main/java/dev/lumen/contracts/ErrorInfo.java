package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
/** Why a job or task failed: a stable code, a message for people, and whether a retry may help. */
public record ErrorInfo(@JsonProperty(required = true) String code, @JsonProperty(required = true) String message,
                        @JsonProperty(required = true) boolean retryable) {
}
