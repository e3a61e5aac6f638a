package dev.lumen.layout.planner;

import dev.lumen.layout.planner.Lexicon.Category;
import dev.lumen.layout.planner.Lexicon.Sense;
import dev.lumen.layout.planner.Lexicon.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Stage 1 of the rule planner ({@code layout.md} §6.2): text → {@link LayoutIR}. The text is
 * tokenised by the {@link Lexicon}; noun phrases are chunked as
 * {@code (DET|NUM)* (COLOR|SIZE|ADJ|unknown|NOUN-before-NOUN)* NOUN} (a word that can be a noun or
 * a modifier, like "orange" or "square", is the head only when no noun follows it; an unknown word
 * after a determiner and before a relation, place or separator becomes a noun, flagged); a phrase
 * naming a scene ("on a plain white background", "in a kitchen") becomes the background instead of
 * an entity. Then relations bind the nearest noun phrase before to the nearest after, places bind
 * to the nearest phrase before them in their clause (or the next one when that one already has a
 * place, or none precedes), and arrangements ("in a row") to the nearest phrase. "the" + a noun
 * already mentioned refers back to it. Pure and deterministic.
 */
public final class TextParser {
    private static final Set<String> CONJUNCTIONS = Set.of("and", "with", "plus", "while", "but", "or");
    private static final Set<String> VOWEL_SOUND_EXCEPTIONS_A = Set.of("one", "once", "uni", "use", "usu", "eu", "ur", "ut");
    private static final Set<String> VOWEL_SOUND_EXCEPTIONS_AN = Set.of("hour", "honest", "honou", "heir");

    private final Lexicon lexicon;

    public TextParser(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    /** An item of a clause after chunking. */
    private sealed interface Item permits Phrase, Rel, Pos, Arr, Boundary {
    }

    /** A noun phrase, referring to an entity by index. */
    private record Phrase(int entity) implements Item {
    }

    private record Rel(String type) implements Item {
    }

    private record Pos(String place, boolean forward) implements Item {
    }

    private record Arr(String type) implements Item {
    }

    /** A clause boundary: a conjunction or a sentence end (strong), or a comma (weak). */
    private record Boundary(boolean strong) implements Item {
    }

    /** A chunked noun phrase before it becomes an entity. */
    private record Chunk(String determiner, Integer count, List<Token> modifiers, String head, Lexicon.Noun noun,
                         boolean plural, boolean unknown, int mention) {
    }

    /** Parses a prompt. */
    public LayoutIR parse(String text) {
        List<Token> tokens = lexicon.tokenize(text);
        List<Item> items = new ArrayList<>();
        List<LayoutIR.Entity> entities = new ArrayList<>();
        List<String> backgrounds = new ArrayList<>();
        Set<String> unknown = new LinkedHashSet<>();
        int i = 0;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            if (t.separator()) {
                if (t.text().equals(":") && !items.isEmpty() && items.getLast() instanceof Pos p && !p.forward()) {
                    // "top left: a red circle" binds the place to what follows.
                    items.set(items.size() - 1, new Pos(p.place(), true));
                }
                items.add(new Boundary(t.text().equals(".")));
                i++;
            } else if (t.senses().isEmpty() && CONJUNCTIONS.contains(t.text())) {
                items.add(new Boundary(true));
                i++;
            } else if (t.is(Category.RELATION)) {
                items.add(new Rel(t.sense(Category.RELATION).value()));
                i++;
            } else if (t.is(Category.POSITION)) {
                items.add(new Pos(t.sense(Category.POSITION).value(), false));
                i++;
            } else if (t.is(Category.ARRANGEMENT)) {
                items.add(new Arr(t.sense(Category.ARRANGEMENT).value()));
                i++;
            } else if (startsPhrase(t)) {
                int[] end = new int[1];
                Chunk chunk = chunk(tokens, i, end);
                if (chunk == null) {
                    for (int k = i; k < Math.max(end[0], i + 1); k++) {
                        if (tokens.get(k).unknown()) {
                            unknown.add(tokens.get(k).text());
                        }
                    }
                } else if (chunk.noun() != null && chunk.noun().kind() == Lexicon.Kind.SCENE) {
                    backgrounds.add(scenePhrase(chunk));
                    if (!items.isEmpty() && items.getLast() instanceof Rel) {
                        items.removeLast(); // "on" / "in" of "on a white background" is not a relation
                    }
                } else {
                    if (chunk.unknown()) {
                        unknown.add(chunk.head());
                    }
                    chunk.modifiers().stream().filter(Token::unknown).forEach(m -> unknown.add(m.text()));
                    items.add(new Phrase(entity(chunk, entities)));
                }
                i = Math.max(end[0], i + 1);
            } else {
                if (t.unknown()) {
                    unknown.add(t.text());
                }
                i++; // fillers, stray determiners and unknown words outside a phrase
            }
        }
        List<LayoutIR.Relation> relations = relations(items, entities);
        List<LayoutIR.Place> places = places(items, entities);
        List<LayoutIR.Arrangement> arrangements = arrangements(items, entities);
        String background = backgrounds.isEmpty() ? null : String.join(", ", backgrounds);
        return new LayoutIR(LayoutIR.VERSION, entities, relations, places, arrangements, background, List.copyOf(unknown));
    }

    private static boolean startsPhrase(Token t) {
        return t.is(Category.DETERMINER) || t.is(Category.NUMBER) || t.is(Category.NOUN) || t.is(Category.COLOR)
                || t.is(Category.SIZE) || t.is(Category.ATTRIBUTE) || t.unknown();
    }

    private static boolean modifier(Token t) {
        return t.is(Category.COLOR) || t.is(Category.SIZE) || t.is(Category.ATTRIBUTE);
    }

    /**
     * Chunks a noun phrase starting at {@code start}; {@code end[0]} receives the index after it.
     * Null when there is no head noun (the words are then skipped).
     */
    private Chunk chunk(List<Token> tokens, int start, int[] end) {
        int j = start;
        String determiner = null;
        Integer count = null;
        while (j < tokens.size() && (tokens.get(j).is(Category.DETERMINER) || tokens.get(j).is(Category.NUMBER))
                && !tokens.get(j).is(Category.NOUN)) {
            Token t = tokens.get(j);
            if (t.is(Category.NUMBER)) {
                count = t.sense(Category.NUMBER).count();
                if (determiner == null && (t.text().equals("a") || t.text().equals("an"))) {
                    determiner = "a";
                }
            } else {
                determiner = t.text();
            }
            j++;
        }
        List<Token> modifiers = new ArrayList<>();
        while (j < tokens.size()) {
            Token t = tokens.get(j);
            Token next = j + 1 < tokens.size() ? tokens.get(j + 1) : null;
            if (t.is(Category.NOUN)) {
                boolean nounFollows = next != null && (next.is(Category.NOUN) || (modifier(next) && nounAhead(tokens, j + 1)));
                if (nounFollows) {
                    modifiers.add(t); // "square table", "orange cat": a noun used as a modifier
                    j++;
                    continue;
                }
                Sense noun = t.sense(Category.NOUN);
                end[0] = j + 1;
                return new Chunk(determiner, count, modifiers, noun.value(), noun.noun(), noun.plural(), false, start);
            }
            if (modifier(t) || (t.unknown() && nounAhead(tokens, j + 1))) {
                modifiers.add(t);
                j++;
                continue;
            }
            if (t.unknown() && (determiner != null || count != null) && (next == null || !next.unknown())) {
                // "a zorb to the left of a cube": an unknown word after a determiner, before a relation,
                // place, separator or the end, is taken as the noun (flagged unknown).
                boolean plural = count != null && count > 1;
                String head = plural ? Lexicon.singularGuess(t.text()) : t.text();
                end[0] = j + 1;
                return new Chunk(determiner, count, modifiers, head, null, plural, true, start);
            }
            break;
        }
        end[0] = j;
        return null;
    }

    /** Whether a noun follows within the modifiers starting at {@code from}. */
    private static boolean nounAhead(List<Token> tokens, int from) {
        for (int k = from; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.is(Category.NOUN)) {
                return true;
            }
            if (!(modifier(t) || t.unknown())) {
                return false;
            }
        }
        return false;
    }

    /** Adds the entity of a chunk, or finds the one "the <noun>" refers back to; returns its index. */
    private int entity(Chunk chunk, List<LayoutIR.Entity> entities) {
        String color = null;
        String size = null;
        double sizeFactor = 1;
        double aspect = chunk.noun() != null ? chunk.noun().aspect() : 1;
        List<String> others = new ArrayList<>();
        List<String> words = new ArrayList<>();
        for (Token m : chunk.modifiers()) {
            words.add(m.text());
            if (m.is(Category.COLOR) && color == null) {
                color = m.text();
            } else if (m.is(Category.SIZE)) {
                size = size == null ? m.text() : size + " " + m.text();
                Lexicon.SizeWord s = m.sense(Category.SIZE).size();
                sizeFactor *= s.area();
                aspect *= s.aspect();
            } else {
                others.add(m.text());
            }
        }
        if ("the".equals(chunk.determiner())) {
            for (int k = 0; k < entities.size(); k++) {
                LayoutIR.Entity e = entities.get(k);
                if (e.head().equals(chunk.head()) && (color == null || color.equals(e.attrs().get("color")))) {
                    return k;
                }
            }
        }
        words.add(chunk.head());
        String phrase = String.join(" ", words);
        boolean mass = chunk.noun() != null && chunk.noun().mass();
        int count = mass ? 1 : chunk.count() != null ? Math.max(1, chunk.count())
                : chunk.plural() ? lexicon.pluralCount() : 1;
        Map<String, String> attrs = new LinkedHashMap<>();
        if (color != null) {
            attrs.put("color", color);
        }
        if (size != null) {
            attrs.put("size", size);
        }
        if (!others.isEmpty()) {
            attrs.put("other", String.join(" ", others));
        }
        Lexicon.Kind kind = chunk.noun() != null ? chunk.noun().kind() : Lexicon.Kind.THING;
        String caption = mass ? phrase : article(phrase) + " " + phrase;
        String id = "e" + (entities.size() + 1);
        entities.add(new LayoutIR.Entity(id, chunk.head(), phrase, caption, count, attrs, kind.wire(), chunk.mention(),
                chunk.unknown(), sizeFactor, aspect, kind));
        return entities.size() - 1;
    }

    private String scenePhrase(Chunk chunk) {
        List<String> words = new ArrayList<>();
        chunk.modifiers().forEach(m -> words.add(m.text()));
        words.add(chunk.plural() ? chunk.noun().plural() : chunk.head());
        String phrase = String.join(" ", words);
        if ("the".equals(chunk.determiner())) {
            return "the " + phrase;
        }
        // "at night", "in space": no article where the prompt has none.
        return chunk.noun().mass() || (chunk.determiner() == null && chunk.count() == null) ? phrase
                : article(phrase) + " " + phrase;
    }

    /** "a" or "an" by the first sound of the phrase (spelling with a few exceptions). */
    static String article(String phrase) {
        String p = phrase.toLowerCase(Locale.ROOT);
        for (String e : VOWEL_SOUND_EXCEPTIONS_AN) {
            if (p.startsWith(e)) {
                return "an";
            }
        }
        for (String e : VOWEL_SOUND_EXCEPTIONS_A) {
            if (p.startsWith(e)) {
                return "a";
            }
        }
        return !p.isEmpty() && "aeiou".indexOf(p.charAt(0)) >= 0 ? "an" : "a";
    }

    private static List<LayoutIR.Relation> relations(List<Item> items, List<LayoutIR.Entity> entities) {
        List<LayoutIR.Relation> out = new ArrayList<>();
        for (int k = 0; k < items.size(); k++) {
            if (!(items.get(k) instanceof Rel rel)) {
                continue;
            }
            Integer a = phraseBefore(items, k);
            Integer b = phraseAfter(items, k, 0);
            if (a == null || b == null || a.equals(b)) {
                continue;
            }
            String ea = entities.get(a).id();
            String eb = entities.get(b).id();
            if (rel.type().equals("between")) {
                Integer c = phraseAfter(items, k, 1);
                if (c == null || c.equals(a) || c.equals(b)) {
                    continue;
                }
                out.add(new LayoutIR.Relation("between", ea, eb, entities.get(c).id()));
            } else {
                out.add(new LayoutIR.Relation(rel.type(), ea, eb));
            }
        }
        return out;
    }

    private static List<LayoutIR.Place> places(List<Item> items, List<LayoutIR.Entity> entities) {
        Map<Integer, String> placed = new LinkedHashMap<>();
        for (int k = 0; k < items.size(); k++) {
            if (!(items.get(k) instanceof Pos pos)) {
                continue;
            }
            Integer target = pos.forward() ? null : phraseInClauseBefore(items, k);
            if (target == null || placed.containsKey(target)) {
                target = phraseInClauseAfter(items, k);
            }
            if (target != null && !placed.containsKey(target)) {
                placed.put(target, pos.place());
            }
        }
        List<LayoutIR.Place> out = new ArrayList<>();
        placed.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.add(new LayoutIR.Place(entities.get(e.getKey()).id(), e.getValue())));
        return out;
    }

    private static List<LayoutIR.Arrangement> arrangements(List<Item> items, List<LayoutIR.Entity> entities) {
        Map<Integer, String> arranged = new LinkedHashMap<>();
        for (int k = 0; k < items.size(); k++) {
            if (!(items.get(k) instanceof Arr arr)) {
                continue;
            }
            // "a row of three stars" precedes its phrase; "three stars in a row" follows it.
            Integer target = k + 1 < items.size() && items.get(k + 1) instanceof Phrase p ? Integer.valueOf(p.entity())
                    : phraseBefore(items, k);
            if (target == null) {
                target = phraseAfter(items, k, 0);
            }
            if (target != null) {
                arranged.putIfAbsent(target, arr.type());
            }
        }
        List<LayoutIR.Arrangement> out = new ArrayList<>();
        arranged.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.add(new LayoutIR.Arrangement(entities.get(e.getKey()).id(), e.getValue())));
        return out;
    }

    /** The nearest phrase before {@code k} (relations reach across "and": "a ball and a cube left of a cone"). */
    private static Integer phraseBefore(List<Item> items, int k) {
        for (int j = k - 1; j >= 0; j--) {
            if (items.get(j) instanceof Phrase p) {
                return p.entity();
            }
        }
        return null;
    }

    /** The {@code skip}-th phrase after {@code k} (0 = the nearest). */
    private static Integer phraseAfter(List<Item> items, int k, int skip) {
        int seen = 0;
        for (int j = k + 1; j < items.size(); j++) {
            if (items.get(j) instanceof Phrase p) {
                if (seen == skip) {
                    return p.entity();
                }
                seen++;
            }
        }
        return null;
    }

    /** The nearest phrase before {@code k} within its clause (stops at a conjunction or sentence end). */
    private static Integer phraseInClauseBefore(List<Item> items, int k) {
        for (int j = k - 1; j >= 0; j--) {
            Item item = items.get(j);
            if (item instanceof Phrase p) {
                return p.entity();
            }
            if (item instanceof Boundary b && b.strong()) {
                return null;
            }
        }
        return null;
    }

    /** The nearest phrase after {@code k} within its clause. */
    private static Integer phraseInClauseAfter(List<Item> items, int k) {
        for (int j = k + 1; j < items.size(); j++) {
            Item item = items.get(j);
            if (item instanceof Phrase p) {
                return p.entity();
            }
            if (item instanceof Boundary b && b.strong()) {
                return null;
            }
        }
        return null;
    }
}
