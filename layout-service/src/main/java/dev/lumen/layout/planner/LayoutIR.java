package dev.lumen.layout.planner;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The intermediate representation between parsing and placement ({@code layout.md} §6.2, after
 * Parse-Then-Place): the entities a text names with their counts and attributes, the relations
 * between them, absolute places, arrangements of count groups, and the background scene. It is
 * returned with every plan so a client can see how its text was read.
 *
 * @param unknownWords words in no lexicon (dropped, or used as nouns when flagged so), to grow the lexicon from
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayoutIR(String version, List<Entity> entities, List<Relation> relations,
                       @JsonProperty("absolute") List<Place> places, List<Arrangement> arrangements,
                       String background, @JsonProperty("unknown_words") List<String> unknownWords) {

    public static final String VERSION = "1";

    public LayoutIR {
        entities = List.copyOf(entities);
        relations = List.copyOf(relations);
        places = List.copyOf(places);
        arrangements = List.copyOf(arrangements);
        unknownWords = List.copyOf(unknownWords);
    }

    public Entity entity(String id) {
        return entities.stream().filter(e -> e.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no entity " + id));
    }

    /** The absolute place of an entity, or null. */
    public String placeOf(String entityId) {
        return places.stream().filter(p -> p.entity().equals(entityId)).map(Place::pos).findFirst().orElse(null);
    }

    /** The arrangement of an entity's instances, or null. */
    public String arrangementOf(String entityId) {
        return arrangements.stream().filter(a -> a.entity().equals(entityId)).map(Arrangement::type).findFirst().orElse(null);
    }

    /**
     * Something the text names. {@code phrase} is its singular description without article
     * ("small red ball"), {@code caption} the region caption made from it ("a small red ball");
     * {@code kind} is {@code thing} or {@code stuff} (sky, sea, grass: a strip of the image).
     * The size and aspect priors steer placement and are not part of the JSON.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entity(String id, String head, String phrase, String caption, int count, Map<String, String> attrs,
                         String kind, int mention, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean unknown,
                         @JsonIgnore double sizeFactor, @JsonIgnore double aspect, @JsonIgnore Lexicon.Kind nounKind) {
        public Entity {
            attrs = Map.copyOf(attrs);
        }

        public Entity withCount(int newCount) {
            return new Entity(id, head, phrase, caption, newCount, attrs, kind, mention, unknown, sizeFactor, aspect, nounKind);
        }

        @JsonIgnore
        public boolean stuff() {
            return nounKind.stuff();
        }
    }

    /**
     * A relation between entities: {@code a} is related to {@code b} ({@code c} only for
     * {@code between}: a is between b and c). Types: left_of, right_of, above, below, on, under, in,
     * next_to, in_front_of, behind, between.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Relation(String type, String a, String b, String c) {
        public Relation(String type, String a, String b) {
            this(type, a, b, null);
        }
    }

    /** An absolute place: left, right, top, bottom, center or a corner (top-left …). */
    public record Place(String entity, String pos) {
    }

    /** How the instances of a counted entity are arranged: row, column or grid. */
    public record Arrangement(String entity, String type) {
    }
}
