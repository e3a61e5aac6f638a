package dev.lumen.contracts;

import com.fasterxml.jackson.annotation.JsonValue;

/** A job's state machine: accepted → queued → running → succeeded | failed | cancelled | expired. */
public enum JobStatus {
    ACCEPTED, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == EXPIRED;
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
