package dev.lumen.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
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
                .hasMessage("JobSubmitted: schema is \"lumen.job-submitted/v2\", expected \"lumen.job-submitted/v1\""
                        + " (a producer on another version?)");
    }

    @Test
    void refusesAnotherMessageType() {
        byte[] event = Messages.encode(Examples.completed());
        assertThatThrownBy(() -> Messages.decode(event, JobState.class))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("schema is \"lumen.worker-event/v1\", expected \"lumen.job-state/v1\"");
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
                .hasMessageStartingWith("WorkerEvent: does not follow lumen.worker-event/v1 at \"type\"")
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
        JobState wrong = new JobState("lumen.job-state/v0", Examples.JOB, Examples.TENANT, JobStatus.QUEUED,
                Examples.spec(), Examples.SUBMITTED, Examples.SUBMITTED, 0, null, null, null, null, null, null);
        assertThatThrownBy(() -> Messages.encode(wrong))
                .isInstanceOf(ContractException.class)
                .hasMessage("JobState must carry schema \"lumen.job-state/v1\", not \"lumen.job-state/v0\"");

        GenerationSpec noPrompt = new GenerationSpec("m", null, null, 1, 512, 512, 4, 1, "lcm", 1, 0, null, null);
        JobSubmitted incomplete = new JobSubmitted(Examples.JOB, Examples.TENANT, noPrompt, Examples.SUBMITTED,
                null, null, null);
        assertThatThrownBy(() -> Messages.encode(incomplete))
                .isInstanceOf(ContractException.class)
                .hasMessage("JobSubmitted: required field \"spec.prompt\" is missing or null");
    }
}
