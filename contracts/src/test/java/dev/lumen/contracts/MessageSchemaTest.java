package dev.lumen.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The published JSON schemas and the codec agree: every message round-trips through {@link Messages}
 * and its JSON validates against its schema, and the schemas refuse what the codec refuses.
 */
class MessageSchemaTest {
    static final List<Examples.Example> EXAMPLES = Examples.all();

    // Format assertions on, so "date-time" really checks that instants are ISO-8601 strings.
    static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    static Schema schema(String file) {
        return SCHEMAS.getSchema(SchemaLocation.of("classpath:schemas/" + file));
    }

    static List<Error> validate(String file, JsonNode json) {
        return schema(file).validate(json);
    }

    static ObjectNode tree(Message message) {
        return (ObjectNode) Messages.json().readTree(Messages.encode(message));
    }

    static ObjectNode edited(Message message, Consumer<ObjectNode> edit) {
        ObjectNode json = tree(message);
        edit.accept(json);
        return json;
    }

    @ParameterizedTest
    @FieldSource("EXAMPLES")
    void roundTripsThroughTheCodec(Examples.Example example) {
        Message message = example.message();
        byte[] encoded = Messages.encode(message);
        assertThat(Messages.decode(encoded, message.getClass())).isEqualTo(message);
    }

    @ParameterizedTest
    @FieldSource("EXAMPLES")
    void encodedJsonFollowsItsSchema(Examples.Example example) {
        ObjectNode json = tree(example.message());
        assertThat(validate(example.schemaFile(), json)).as(json.toString()).isEmpty();
    }

    @Test
    void everyMessageTypeHasASchemaAndAnExample() {
        for (Class<?> type : Message.class.getPermittedSubclasses()) {
            String resource = Messages.schemaResource(type.asSubclass(Message.class));
            assertThat(getClass().getClassLoader().getResource(resource)).as(resource).isNotNull();
            assertThat(EXAMPLES).as(type.getSimpleName())
                    .anyMatch(e -> e.message().getClass() == type && resource.equals("schemas/" + e.schemaFile()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"common.v1.json", "job-submitted.v1.json", "task.v1.json", "worker-event.v1.json",
            "job-state.v1.json", "control.v1.json", "dead-letter.v1.json", "job-submitted.v1.1.json", "task.v1.1.json",
            "job-state.v1.1.json", "job-submitted.v1.2.json", "task.v1.2.json", "job-state.v1.2.json",
            "worker-event.v1.1.json", "job-state.v1.3.json", "worker-event.v1.2.json"})
    void schemaFilesAreValidDraft2020_12(String file) throws IOException {
        Schema metaSchema = SCHEMAS.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("schemas/" + file)) {
            JsonNode schema = Messages.json().readTree(in);
            assertThat(metaSchema.validate(schema)).isEmpty();
            if (!file.startsWith("common")) {
                assertThat(schema.get("required").valueStream().map(JsonNode::asString)).contains("schema");
                assertThat(schema.get("properties").get("schema").has("const")).isTrue();
            }
        }
    }

    @Test
    void schemaRefusesAnotherVersion() {
        ObjectNode json = edited(Examples.jobSubmitted(), j -> j.put("schema", "lumen.job-submitted/v2"));
        assertThat(validate("job-submitted.v1.2.json", json)).extracting(Error::getKeyword).contains("const");
    }

    @Test
    void schemaRefusesAMissingRequiredField() {
        ObjectNode json = edited(Examples.task(), j -> ((ObjectNode) j.get("jobs").get(0).get("spec")).remove("model"));
        assertThat(validate("task.v1.2.json", json)).extracting(Error::getKeyword).contains("required");
    }

    @Test
    void schemaRefusesEpochNumbersForInstants() {
        ObjectNode json = edited(Examples.cancel(), j -> j.put("at", 1_772_366_400_123L));
        assertThat(validate("control.v1.json", json)).isNotEmpty();
        ObjectNode text = edited(Examples.cancel(), j -> j.put("at", "yesterday"));
        assertThat(validate("control.v1.json", text)).extracting(Error::getKeyword).contains("format");
    }

    @Test
    void schemaRefusesUpperCaseEnums() {
        ObjectNode json = edited(Examples.succeeded(), j -> j.put("status", "SUCCEEDED"));
        assertThat(validate("job-state.v1.3.json", json)).extracting(Error::getKeyword).contains("enum");
    }

    @Test
    void schemaRefusesIdsThatCouldEscapeAnObjectKey() {
        for (String id : Arrays.asList("../other-tenant", "a/b", "", ".hidden")) {
            ObjectNode json = edited(Examples.jobSubmitted(), j -> j.put("tenant", id));
            assertThat(validate("job-submitted.v1.2.json", json)).as(id).extracting(Error::getKeyword).contains("pattern");
        }
    }

    @Test
    void schemaRequiresImagesOnCompletionAndAnErrorOnFailure() {
        ObjectNode completed = edited(Examples.completed(), j -> j.remove("images"));
        assertThat(validate("worker-event.v1.2.json", completed)).extracting(Error::getKeyword).contains("required");
        ObjectNode failed = edited(Examples.failed(), j -> j.remove("error"));
        assertThat(validate("worker-event.v1.2.json", failed)).extracting(Error::getKeyword).contains("required");
    }

    @Test
    void schemaChecksLayoutBoxes() {
        ObjectNode json = edited(Examples.jobSubmitted(),
                j -> ((ObjectNode) j.get("spec").get("layout").get("regions").get(0)).putArray("box").add(0.1).add(1.5));
        assertThat(validate("job-submitted.v1.2.json", json)).isNotEmpty();
        ObjectNode overlap = edited(Examples.jobSubmitted(),
                j -> ((ObjectNode) j.get("spec").get("layout").get("control")).put("overlap", "largest-wins"));
        assertThat(validate("job-submitted.v1.2.json", overlap)).extracting(Error::getKeyword).contains("enum");
        ObjectNode strength = edited(Examples.jobSubmitted(),
                j -> ((ObjectNode) j.get("spec").get("layout").get("control")).put("strength", 1.5));
        assertThat(validate("job-submitted.v1.2.json", strength)).isNotEmpty();
    }

    @Test
    void theLayoutTravelsInItsPublicJsonForm() {
        JsonNode layout = tree(Examples.task()).get("jobs").get(0).get("spec").get("layout");
        assertThat(layout.get("regions").get(0).get("box").toString()).isEqualTo("[0.05,0.55,0.45,0.95]");
        assertThat(layout.get("regions").get(0).get("id").asString()).isEqualTo("mug");
        assertThat(layout.get("regions").get(1).has("id")).isFalse();
        assertThat(layout.get("control").toString())
                .isEqualTo("{\"strength\":0.8,\"until_t\":600,\"self_attention\":true,\"overlap\":\"smallest-wins\"}");
        assertThat(layout.get("background").asString()).isEqualTo("a wooden desk in a dim room");
    }

    @Test
    void version1_2SchemasCheckTheTokenDensityShapeAndOlderOnesLetTheEngineOwnedObjectThrough() {
        for (String bad : new String[] {"\"turbo\"", "\"Balanced\"", "0", "1.5", "[1, 0.5]", "{\"rules\": []}",
                "{\"schedule\": [1, 0.5]}", "{\"rules\": [{\"op\": \"prune\"}]}",
                "{\"rules\": [{\"op\": \"kv_pool\", \"s\": 3}]}", "{\"rules\": [{\"op\": \"kv_pool\", \"stride\": 2}]}"}) {
            ObjectNode json = edited(Examples.jobSubmitted(), j -> ((ObjectNode) j.get("spec")).set("tokenDensity",
                    Examples.json(bad)));
            assertThat(validate("job-submitted.v1.2.json", json)).as(bad).isNotEmpty();
        }
        for (String good : new String[] {"\"minimal\"", "1", "0.25", "null",
                "{\"rules\": [{\"op\": \"mean_v\", \"blocks\": \"0-1\", \"experimental\": true},"
                        + " {\"op\": \"kv_pool_local\", \"t\": [0, 500], \"blocks\": [2, 9], \"window\": 8}]}"}) {
            ObjectNode json = edited(Examples.jobSubmitted(), j -> ((ObjectNode) j.get("spec")).set("tokenDensity",
                    Examples.json(good)));
            assertThat(validate("job-submitted.v1.2.json", json)).as(good).isEmpty();
        }
        ObjectNode v11 = edited(Examples.jobSubmitted(), j -> {
            j.put("schema", "lumen.job-submitted/v1.1");
            ((ObjectNode) j.get("spec")).set("tokenDensity", Examples.json("{\"schedule\": [1, 0.5]}"));
        });
        assertThat(validate("job-submitted.v1.1.json", v11)).as(v11.toString()).isEmpty();
    }

    @Test
    void theDensityReportNeedsItsFlopsAndFraction() {
        ObjectNode json = edited(Examples.completed(), j -> ((ObjectNode) j.get("density")).remove("fraction"));
        assertThat(validate("worker-event.v1.2.json", json)).extracting(Error::getKeyword).contains("required");
        ObjectNode state = edited(Examples.succeeded(), j -> ((ObjectNode) j.get("density")).put("denseFlops", 0));
        assertThat(validate("job-state.v1.3.json", state)).isNotEmpty();
    }

    @Test
    void theDensityReportsExperimentalFlagIsAnOptionalBoolean() {
        ObjectNode text = edited(Examples.completedExperimental(), j -> ((ObjectNode) j.get("density")).put("experimental", "yes"));
        assertThat(validate("worker-event.v1.2.json", text)).extracting(Error::getKeyword).contains("type");
        // A v1.1 worker's report has none, and still follows v1.1.
        ObjectNode v11 = edited(Examples.completedExperimental(), j -> {
            j.put("schema", "lumen.worker-event/v1.1");
            ((ObjectNode) j.get("density")).remove("experimental");
        });
        assertThat(validate("worker-event.v1.1.json", v11)).as(v11.toString()).isEmpty();
        ObjectNode v12 = edited(Examples.succeeded(), j -> {
            j.put("schema", "lumen.job-state/v1.2");
            ((ObjectNode) j.get("density")).remove("experimental");
        });
        assertThat(validate("job-state.v1.2.json", v12)).as(v12.toString()).isEmpty();
    }

    @Test
    void aVersion1MessageStillFollowsItsOwnSchema() {
        // What a v1 gateway wrote: no caption, no background, no control.
        ObjectNode v1 = edited(Examples.jobSubmitted(), j -> {
            j.put("schema", "lumen.job-submitted/v1");
            ObjectNode layout = (ObjectNode) j.get("spec").get("layout");
            layout.remove("caption");
            layout.remove("background");
            layout.remove("control");
            ((ObjectNode) layout.get("regions").get(0)).remove("id");
        });
        assertThat(validate("job-submitted.v1.json", v1)).as(v1.toString()).isEmpty();
    }
}
