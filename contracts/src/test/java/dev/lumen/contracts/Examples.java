package dev.lumen.contracts;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Control;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.Overlap;
import dev.lumen.contracts.layout.Region;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Realistic instances of every message, as the services would produce them. */
final class Examples {
    static final Instant SUBMITTED = Instant.parse("2026-03-01T12:00:00.123456Z");
    static final String JOB = "job_01JNQ8Z7Y3K4M5P6R7S8T9V0W1";
    static final String TENANT = "acme-studio";

    private Examples() {
    }

    static JsonNode json(String text) {
        return Messages.json().readTree(text);
    }

    static GenerationSpec spec() {
        return new GenerationSpec("PixArt-alpha/PixArt-LCM-XL-2-1024-MS", "a cozy desk by a window, rain outside",
                "blurry, low quality", 2, 1024, 768, 4, 1.0, "lcm", 1_234_567_890_123L, 5,
                layout(),
                json("{\"rules\": [{\"op\": \"kv_pool\", \"t\": [500, 1000], \"blocks\": \"2-25\", \"s\": 2, \"mode\": \"avg\"}]}"));
    }

    /** The plain spec at a preset or a fraction, as the gateway writes them. */
    static GenerationSpec densitySpec(JsonNode tokenDensity) {
        GenerationSpec p = plainSpec();
        return new GenerationSpec(p.model(), p.prompt(), p.negativePrompt(), p.n(), p.width(), p.height(), p.steps(),
                p.guidanceScale(), p.sampler(), p.seed(), p.priority(), null, tokenDensity);
    }

    /** What a worker reports for a job of {@link #spec()} on a 28-block model at 4 LCM steps. */
    static TokenDensityReport densityReport() {
        return new TokenDensityReport(spec().tokenDensity(), "1 rule", List.of(
                "t=999: 0-1 dense, 2-25 kv_pool(s=2,avg), 26-27 dense",
                "t=759: 0-1 dense, 2-25 kv_pool(s=2,avg), 26-27 dense",
                "t=499: 0-27 dense", "t=259: 0-27 dense"), 41_712_000_000_000L, 47_225_000_000_000L, 0.883261, false);
    }

    /** What a worker reports when a fraction picked an experimental preset. */
    static TokenDensityReport experimentalReport() {
        return new TokenDensityReport(json("0.85"), "fraction 0.850 → preset high", List.of(
                "t=999: 0-13 dense, 14-27 kv_pool(s=2,avg)"), 7_560_000_000_000L, 9_000_000_000_000L, 0.84, true);
    }

    static Layout layout() {
        return new Layout("a cozy desk by a window", "a wooden desk in a dim room",
                List.of(new Region(new Box(0.05, 0.55, 0.45, 0.95), "a green mug", "mug"),
                        new Region(new Box(0.50, 0.10, 0.95, 0.60), "a window with rain")),
                new Control(0.8, 600, true, Overlap.SMALLEST_WINS));
    }

    static GenerationSpec plainSpec() {
        return new GenerationSpec("PixArt-alpha/PixArt-XL-2-512x512", "a red fox in the snow", null, 1, 512, 512, 20,
                4.5, "dpm-solver", 42, 0, null, null);
    }

    static List<ImageRef> images() {
        return List.of(
                new ImageRef(0, "images/acme-studio/" + JOB + "/0.png", "images/acme-studio/" + JOB + "/0.json", 1024, 768),
                new ImageRef(1, "images/acme-studio/" + JOB + "/1.png", "images/acme-studio/" + JOB + "/1.json", 1024, 768));
    }

    static JobSubmitted jobSubmitted() {
        return new JobSubmitted(JOB, TENANT, spec(), SUBMITTED, SUBMITTED.plusSeconds(300), "idem-7f3a9c",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }

    static TaskMessage task() {
        return new TaskMessage("task-9d1c2b", "pixart-lcm-1024",
                List.of(new TaskMessage.TaskJob(JOB, TENANT, spec()),
                        new TaskMessage.TaskJob("job_01JNQ8ZB2C3D4E5F6G7H8J9K0M", "globex", spec())),
                1, SUBMITTED.plusSeconds(300), null);
    }

    static WorkerEvent progress() {
        return new WorkerEvent(WorkerEvent.SCHEMA, WorkerEvent.Type.PROGRESS, JOB, "task-9d1c2b", "worker-gpu-0.lumen",
                SUBMITTED.plusMillis(2500), 2, 4, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
                null, null, null);
    }

    static WorkerEvent completed() {
        return new WorkerEvent(WorkerEvent.SCHEMA, WorkerEvent.Type.COMPLETED, JOB, "task-9d1c2b", "worker-gpu-0.lumen",
                SUBMITTED.plusMillis(5100), 4, 4, null, images(), null, 3876.25, densityReport());
    }

    static WorkerEvent completedExperimental() {
        return new WorkerEvent(WorkerEvent.SCHEMA, WorkerEvent.Type.COMPLETED, JOB, "task-9d1c2b", "worker-gpu-0.lumen",
                SUBMITTED.plusMillis(5100), 4, 4, null, images(), null, 3001.5, experimentalReport());
    }

    static WorkerEvent failed() {
        return new WorkerEvent(WorkerEvent.SCHEMA, WorkerEvent.Type.FAILED, JOB, "task-9d1c2b", "worker-gpu-0.lumen",
                SUBMITTED.plusMillis(900), null, null, null, null,
                new ErrorInfo("storage-unavailable", "object store at 127.0.0.1:9000 refused the connection", true), null);
    }

    static JobState running() {
        return new JobState(JobState.SCHEMA, JOB, TENANT, JobStatus.RUNNING, spec(), SUBMITTED, SUBMITTED.plusSeconds(2),
                1, 2, 4, null, null, null, null);
    }

    static JobState succeeded() {
        return new JobState(JobState.SCHEMA, JOB, TENANT, JobStatus.SUCCEEDED, plainSpec(), SUBMITTED,
                SUBMITTED.plusSeconds(6), 1, 4, 4, null, images(), null, 3876.25,
                new TokenDensityReport(null, "preset full", List.of("t=999: 0-27 dense"), 9_000_000_000L, 9_000_000_000L, 1.0, false));
    }

    static ControlMessage cancel() {
        return new ControlMessage(ControlMessage.Type.CANCEL, JOB, TENANT, SUBMITTED.plusSeconds(1));
    }

    static DeadLetter deadLetter() {
        return new DeadLetter(Topics.tasks("pixart-lcm-1024"), JOB, "delivery limit 5 reached: engine crashed (exit 137)", 5,
                Messages.text(Messages.encode(task())), SUBMITTED.plusSeconds(600));
    }

    /** Every message type at least once, with the file name of its schema. */
    static List<Example> all() {
        return List.of(
                new Example("job-submitted.v1.2.json", jobSubmitted()),
                new Example("job-submitted.v1.2.json", new JobSubmitted(JOB, TENANT, plainSpec(), SUBMITTED, null, null, null)),
                new Example("job-submitted.v1.2.json", new JobSubmitted(JOB, TENANT, densitySpec(json("\"balanced\"")),
                        SUBMITTED, null, null, null)),
                new Example("job-submitted.v1.2.json", new JobSubmitted(JOB, TENANT, densitySpec(json("0.8")), SUBMITTED,
                        null, null, null)),
                new Example("task.v1.2.json", task()),
                new Example("worker-event.v1.2.json", progress()),
                new Example("worker-event.v1.2.json", completed()),
                new Example("worker-event.v1.2.json", completedExperimental()),
                new Example("worker-event.v1.2.json", failed()),
                new Example("job-state.v1.3.json", running()),
                new Example("job-state.v1.3.json", succeeded()),
                new Example("control.v1.json", cancel()),
                new Example("dead-letter.v1.json", deadLetter()));
    }

    record Example(String schemaFile, Message message) {
        @Override
        public String toString() {
            return message.getClass().getSimpleName() + " (" + schemaFile + ")";
        }
    }
}
