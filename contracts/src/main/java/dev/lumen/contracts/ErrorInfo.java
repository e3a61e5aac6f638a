package dev.lumen.contracts;

/** Why a job or task failed: a stable code, a message for people, and whether a retry may help. */
public record ErrorInfo(String code, String message, boolean retryable) {
}
