package dev.lumen.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lumen.contracts.JobState;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.codec.ServerSentEvent;

/**
 * Turns the stream of a job's states into Server-Sent Events: {@code queued} (accepted or queued),
 * {@code started}, {@code progress} {step, steps, preview?}, then one terminal event,
 * {@code completed}, {@code failed} (failed or expired) or {@code cancelled}. Stateful per
 * subscriber: a state that changes nothing visible sends nothing, and a job first seen running
 * mid-way still gets its {@code started} before the first {@code progress}.
 */
final class JobEvents {
    private String last;
    private boolean started;

    /** Data of a {@code progress} event; {@code preview} is a small PNG, base64. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ProgressData(String id, int step, int steps, String preview) {
    }

    static boolean terminal(ServerSentEvent<?> event) {
        String name = event.event();
        return "completed".equals(name) || "failed".equals(name) || "cancelled".equals(name);
    }

    List<ServerSentEvent<Object>> next(JobState s) {
        List<ServerSentEvent<Object>> out = new ArrayList<>(2);
        switch (s.status()) {
            case ACCEPTED, QUEUED -> add(out, "queued", "queued", JobJson.of(s));
            case RUNNING -> {
                if (!started) {
                    started = true;
                    add(out, "started", "started", JobJson.of(s));
                }
                if (s.step() != null && s.steps() != null) {
                    add(out, "progress", "progress:" + s.step() + "/" + s.steps(),
                            new ProgressData(s.jobId(), s.step(), s.steps(), s.previewPng()));
                }
            }
            case SUCCEEDED -> add(out, "completed", "completed", JobJson.of(s));
            case FAILED, EXPIRED -> add(out, "failed", "failed", JobJson.of(s));
            case CANCELLED -> add(out, "cancelled", "cancelled", JobJson.of(s));
        }
        return out;
    }

    private void add(List<ServerSentEvent<Object>> out, String event, String identity, Object data) {
        if (identity.equals(last)) {
            return;
        }
        if (!event.equals("queued") && !event.equals("started") && !event.equals("progress")) {
            started = true;
        }
        last = identity;
        out.add(ServerSentEvent.builder(data).event(event).build());
    }

}
