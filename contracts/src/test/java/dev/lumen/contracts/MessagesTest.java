package dev.lumen.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.Region;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The codec's wire format and its refusals: each failure is a {@link ContractException} that says what is wrong. */
class MessagesTest {

    private static ObjectNode tree(Message message) {
        return (ObjectNode) Messages.json().readTree(Messages.encode(message));
    }

    private static byte[] bytes(JsonNode tree) {
        return Messages.json().writeValueAsBytes(tree);
    }

    @Test
    void instantsAreIsoStringsAndEnumsLowerCase() {
        ObjectNode event = tree(Examples.completed());
        assertThat(event.get("at").isString()).isTrue();
        assertThat(event.get("at").asString()).isEqualTo("2026-03-01T12:00:05.223456Z");
        assertThat(event.get("type").asString()).isEqualTo("completed");
        assertThat(tree(Examples.succeeded()).get("status").asString()).isEqualTo("succeeded");
        assertThat(tree(Examples.cancel()).get("type").asString()).isEqualTo("cancel");
        assertThat(tree(Examples.jobSubmitted()).get("submittedAt").asString()).isEqualTo("2026-03-01T12:00:00.123456Z");
    }

    @Test
    void absentOptionalFieldsAreLeftOut() {
        ObjectNode event = tree(Examples.progress());
        assertThat(event.has("error")).isFalse();
        assertThat(event.has("images")).isFalse();
        assertThat(tree(new JobSubmitted(Examples.JOB, Examples.TENANT, Examples.plainSpec(), Examples.SUBMITTED,
                null, null, null)).get("spec").has("layout")).isFalse();
    }

    @Test
    void unknownFieldsAreToleratedWithinAVersion() {
        ObjectNode json = tree(Examples.cancel());
        json.put("reason", "user pressed stop");
        assertThat(Messages.decode(bytes(json), ControlMessage.class)).isEqualTo(Examples.cancel());
    }

    @Test
    void refusesAnotherSchemaVersion() {
        ObjectNode json = tree(Examples.jobSubmitted());
        json.put("schema", "lumen.job-submitted/v2");
        assertThatThrownBy(() -> Messages.decode(bytes(json), JobSubmitted.class))
                .isInstanceOf(ContractException.class)
                .hasMessage("JobSubmitted: schema is \"lumen.job-submitted/v2\", expected \"lumen.job-submitted/v1.2\""
                        + " (a producer on another version?)");
    }

    @Test
    void readsAnOlderMinorVersionAsTheCurrentOne() {
        // A task as a v1 scheduler wrote it: its layout has no caption (the prompt stands in) and none of v1.1's fields.
        String v1 = """
                {"schema": "lumen.task/v1", "taskId": "task-1", "pool": "pixart", "attempt": 0,
                 "jobs": [{"jobId": "job-1", "tenant": "acme", "spec": {"model": "m", "prompt": "a desk", "n": 1,
                   "width": 512, "height": 512, "steps": 4, "guidanceScale": 1.0, "sampler": "lcm", "seed": 7,
                   "priority": 0, "layout": {"regions": [{"box": [0.1, 0.2, 0.5, 0.6], "caption": "a mug"}]}}}]}""";
        TaskMessage task = Messages.decode(v1.getBytes(StandardCharsets.UTF_8), TaskMessage.class);
        assertThat(task.schema()).isEqualTo(TaskMessage.SCHEMA);
        Layout layout = task.jobs().getFirst().spec().layout();
        assertThat(layout.caption()).isEqualTo("a desk");
        assertThat(layout.regions().getFirst().box()).isEqualTo(new Box(0.1, 0.2, 0.5, 0.6));
        assertThat(layout.control()).isNull();
        // Re-encoded, it is a message of the current version.
        assertThat(tree(task).get("schema").asString()).isEqualTo("lumen.task/v1.2");
    }

    @Test
    void messagesWrittenBeforeTokenDensityRanStillReadAndWriteBack() {
        // A v1.1 gateway forwarded any token_density object into the spec (no worker ran it); the
        // scheduler must still read such a state and write it back, and a v1 event has no density.
        ObjectNode state = tree(Examples.running());
        state.put("schema", "lumen.job-state/v1.1");
        ((ObjectNode) state.get("spec")).set("tokenDensity", Messages.json().readTree("{\"schedule\": [1, 0.5]}"));
        JobState read = Messages.decode(bytes(state), JobState.class);
        assertThat(read.spec().tokenDensity().get("schedule").size()).isEqualTo(2);
        assertThat(read.density()).isNull();
        assertThat(tree(read).get("schema").asString()).isEqualTo("lumen.job-state/v1.3");
        assertThat(Messages.decode(Messages.encode(read), JobState.class)).isEqualTo(read);

        ObjectNode event = tree(Examples.completed());
        event.put("schema", "lumen.worker-event/v1");
        event.remove("density");
        assertThat(Messages.decode(bytes(event), WorkerEvent.class).density()).isNull();
    }

    @Test
    void reportsWrittenBeforeTheExperimentalFlagReadWithItUnknown() {
        // A v1.1 worker's completion and a v1.2 scheduler's state carry density without "experimental":
        // it reads as null (unknown), not false, and writes back as the current version without it.
        ObjectNode event = tree(Examples.completedExperimental());
        event.put("schema", "lumen.worker-event/v1.1");
        ((ObjectNode) event.get("density")).remove("experimental");
        WorkerEvent oldEvent = Messages.decode(bytes(event), WorkerEvent.class);
        assertThat(oldEvent.density().experimental()).isNull();
        assertThat(oldEvent.density().plan()).isEqualTo("fraction 0.850 → preset high");
        assertThat(tree(oldEvent).get("schema").asString()).isEqualTo("lumen.worker-event/v1.2");
        assertThat(tree(oldEvent).get("density").has("experimental")).isFalse();

        ObjectNode state = tree(Examples.succeeded());
        state.put("schema", "lumen.job-state/v1.2");
        ((ObjectNode) state.get("density")).remove("experimental");
        JobState oldState = Messages.decode(bytes(state), JobState.class);
        assertThat(oldState.density().experimental()).isNull();
        assertThat(oldState.density().fraction()).isEqualTo(1.0);
    }

    @Test
    void theDensityReportTravelsWithTheCompletionAndTheState() {
        JsonNode density = tree(Examples.completed()).get("density");
        assertThat(density.get("requested")).isEqualTo(Examples.spec().tokenDensity());
        assertThat(density.get("plan").asString()).isEqualTo("1 rule");
        assertThat(density.get("transformerFlops").asLong()).isEqualTo(41_712_000_000_000L);
        assertThat(density.get("denseFlops").asLong()).isEqualTo(47_225_000_000_000L);
        assertThat(density.get("steps").size()).isEqualTo(4);
        // No token density asked: no "requested", and the dense model's fraction is exactly 1.
        JsonNode dense = tree(Examples.succeeded()).get("density");
        assertThat(dense.has("requested")).isFalse();
        assertThat(dense.get("fraction").asDouble()).isEqualTo(1.0);
        assertThat(tree(Examples.running()).has("density")).isFalse();
        // Whether what ran is experimental travels both ways, and round-trips.
        assertThat(density.get("experimental").asBoolean()).isFalse();
        assertThat(dense.get("experimental").asBoolean()).isFalse();
        WorkerEvent experimental = Messages.decode(Messages.encode(Examples.completedExperimental()), WorkerEvent.class);
        assertThat(experimental.density().experimental()).isTrue();
        assertThat(experimental).isEqualTo(Examples.completedExperimental());
    }

    @Test
    void jobsAskingForDifferentTokenDensitiesNeverShareABatch() {
        GenerationSpec none = Examples.densitySpec(null);
        GenerationSpec full = Examples.densitySpec(Messages.json().readTree("\"full\""));
        GenerationSpec balanced = Examples.densitySpec(Messages.json().readTree("\"balanced\""));
        GenerationSpec low = Examples.densitySpec(Messages.json().readTree("\"low\""));
        GenerationSpec fraction = Examples.densitySpec(Messages.json().readTree("0.8"));
        GenerationSpec rules = Examples.densitySpec(Examples.spec().tokenDensity());
        assertThat(none.batchKey()).isEqualTo(full.batchKey());
        assertThat(List.of(none, balanced, low, fraction, rules).stream().map(GenerationSpec::batchKey).distinct())
                .hasSize(5);
        assertThat(balanced.batchKey()).isEqualTo(Examples.densitySpec(Messages.json().readTree("\"balanced\"")).batchKey());
    }

    @Test
    void refusesANewerMinorVersion() {
        ObjectNode json = tree(Examples.task());
        json.put("schema", "lumen.task/v1.3");
        assertThatThrownBy(() -> Messages.decode(bytes(json), TaskMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessage("TaskMessage: schema is \"lumen.task/v1.3\", newer than this reader's \"lumen.task/v1.2\";"
                        + " it may carry fields this reader would ignore (upgrade consumers before producers)");
        ObjectNode event = tree(Examples.completed());
        event.put("schema", "lumen.worker-event/v1.3");
        assertThatThrownBy(() -> Messages.decode(bytes(event), WorkerEvent.class))
                .hasMessageContaining("newer than this reader's \"lumen.worker-event/v1.2\"");
    }

    @Test
    void refusesAnInvalidLayoutInEitherDirection() {
        ObjectNode json = tree(Examples.task());
        ((ObjectNode) json.get("jobs").get(1).get("spec").get("layout").get("regions").get(1))
                .putArray("box").add(0.5).add(0.1).add(0.4).add(0.6);
        assertThatThrownBy(() -> Messages.decode(bytes(json), TaskMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessage("TaskMessage: jobs[1].spec.layout.regions[1].box.x1 must be greater than x0 = 0.5, not 0.4"
                        + " (boxes are [x0, y0, x1, y1])");

        Layout tiny = new Layout("a desk", List.of(new Region(new Box(0.1, 0.1, 0.12, 0.5), "a pen")));
        GenerationSpec spec = new GenerationSpec("m", "a desk", null, 1, 512, 512, 4, 1, "lcm", 1, 0, tiny, null);
        assertThatThrownBy(() -> Messages.encode(new JobSubmitted(Examples.JOB, Examples.TENANT, spec, Examples.SUBMITTED,
                null, null, null)))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("JobSubmitted: spec.layout.regions[0].box is 0.02 wide; a side must be at least 1/32");
    }

    @Test
    void refusesAnUnknownOverlapRule() {
        ObjectNode json = tree(Examples.jobSubmitted());
        ((ObjectNode) json.get("spec").get("layout").get("control")).put("overlap", "largest-wins");
        assertThatThrownBy(() -> Messages.decode(bytes(json), JobSubmitted.class))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("spec.layout.control.overlap")
                .hasMessageContaining("largest-wins");
    }

    @Test
    void refusesAnotherMessageType() {
        byte[] event = Messages.encode(Examples.completed());
        assertThatThrownBy(() -> Messages.decode(event, JobState.class))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("schema is \"lumen.worker-event/v1.2\", expected \"lumen.job-state/v1.3\"");
    }

    @Test
    void refusesAMissingSchemaField() {
        ObjectNode json = tree(Examples.cancel());
        json.remove("schema");
        assertThatThrownBy(() -> Messages.decode(bytes(json), ControlMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessage("ControlMessage: field \"schema\" is missing, expected \"lumen.control/v1\"");
    }

    @Test
    void refusesAMissingRequiredField() {
        ObjectNode json = tree(Examples.jobSubmitted());
        json.remove("jobId");
        assertThatThrownBy(() -> Messages.decode(bytes(json), JobSubmitted.class))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("JobSubmitted: ")
                .hasMessageContaining("jobId");
    }

    @Test
    void refusesANullRequiredField() {
        ObjectNode json = tree(Examples.jobSubmitted());
        json.putNull("tenant");
        assertThatThrownBy(() -> Messages.decode(bytes(json), JobSubmitted.class))
                .isInstanceOf(ContractException.class)
                .hasMessage("JobSubmitted: required field \"tenant\" is missing or null");
    }

    @Test
    void namesTheNestedPathOfAMissingField() {
        ObjectNode json = tree(Examples.task());
        ((ObjectNode) json.get("jobs").get(1).get("spec")).remove("prompt");
        assertThatThrownBy(() -> Messages.decode(bytes(json), TaskMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("TaskMessage: ")
                .hasMessageContaining("jobs[1].spec")
                .hasMessageContaining("prompt");
    }

    @Test
    void refusesAMissingRequiredNumber() {
        ObjectNode json = tree(Examples.jobSubmitted());
        ((ObjectNode) json.get("spec")).remove("steps");
        assertThatThrownBy(() -> Messages.decode(bytes(json), JobSubmitted.class))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("steps");
    }

    @Test
    void refusesAnUnknownEnumValue() {
        ObjectNode json = tree(Examples.completed());
        json.put("type", "exploded");
        assertThatThrownBy(() -> Messages.decode(bytes(json), WorkerEvent.class))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("WorkerEvent: does not follow lumen.worker-event/v1.2 at \"type\"")
                .hasMessageContaining("exploded");
    }

    @Test
    void refusesAnEnumIndex() {
        ObjectNode json = tree(Examples.succeeded());
        json.put("status", 3);
        assertThatThrownBy(() -> Messages.decode(bytes(json), JobState.class))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("\"status\"");
    }

    @Test
    void refusesAWronglyTypedValue() {
        ObjectNode json = tree(Examples.cancel());
        json.put("at", "yesterday");
        assertThatThrownBy(() -> Messages.decode(bytes(json), ControlMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("ControlMessage: does not follow lumen.control/v1 at \"at\"");
    }

    @Test
    void refusesMalformedJson() {
        byte[] truncated = "{\"schema\": \"lumen.control/v1\", \"type\": \"canc".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Messages.decode(truncated, ControlMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("ControlMessage: malformed JSON: ");
        assertThatThrownBy(() -> Messages.decode("not json".getBytes(StandardCharsets.UTF_8), ControlMessage.class))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("ControlMessage: malformed JSON: ");
    }

    @Test
    void refusesNonObjects() {
        for (String text : new String[] {"[1, 2]", "\"lumen.control/v1\"", ""}) {
            assertThatThrownBy(() -> Messages.decode(text.getBytes(StandardCharsets.UTF_8), ControlMessage.class))
                    .as(text)
                    .isInstanceOf(ContractException.class)
                    .hasMessage("ControlMessage: expected a JSON object");
        }
    }

    @Test
    void encodingRefusesAWrongSchemaOrAMissingRequiredField() {
        JobState wrong = new JobState("lumen.job-state/v1", Examples.JOB, Examples.TENANT, JobStatus.QUEUED,
                Examples.spec(), Examples.SUBMITTED, Examples.SUBMITTED, 0, null, null, null, null, null, null);
        assertThatThrownBy(() -> Messages.encode(wrong))
                .isInstanceOf(ContractException.class)
                .hasMessage("JobState must carry schema \"lumen.job-state/v1.3\", not \"lumen.job-state/v1\"");

        GenerationSpec noPrompt = new GenerationSpec("m", null, null, 1, 512, 512, 4, 1, "lcm", 1, 0, null, null);
        JobSubmitted incomplete = new JobSubmitted(Examples.JOB, Examples.TENANT, noPrompt, Examples.SUBMITTED,
                null, null, null);
        assertThatThrownBy(() -> Messages.encode(incomplete))
                .isInstanceOf(ContractException.class)
                .hasMessage("JobSubmitted: required field \"spec.prompt\" is missing or null");
    }
}
