package dev.lumen.contracts;

/** A Kafka message of Lumen: JSON with a {@code schema} field naming its type and version. */
public sealed interface Message permits JobSubmitted, TaskMessage, WorkerEvent, JobState, ControlMessage, DeadLetter {
    String schema();
}
