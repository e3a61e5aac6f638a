package dev.lumen.layout.planner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The rule planner's vocabulary, loaded from the versioned resources in
 * {@code dev/lumen/layout/lexicon/v<version>/} (see the README there): numbers, determiners,
 * colours, sizes, other adjectives, nouns with their plural, aspect prior and kind, relation,
 * place and arrangement phrases, and fillers. It also owns tokenisation: text is NFKC-normalised
 * and lower-cased, punctuation becomes separators, and the longest lexicon phrase wins at each
 * position, so {@code to the left of} is one relation and {@code in the top left corner} one place.
 * Immutable after loading; one instance serves every request.
 */
public final class Lexicon {
    /** The lexicon version; part of the planner's version, since changing a word changes layouts. */
    public static final String VERSION = "1";
    private static final String ROOT = "/dev/lumen/layout/lexicon/v" + VERSION + "/";
    private static final List<String> POSITION_PREFIXES = List.of("", "the ", "on the ", "in the ", "at the ", "to the ",
            "towards the ", "on ", "in ", "at ");
    private static final List<String> POSITION_SUFFIXES = List.of("", " corner", " side", " part", " edge", " area",
            " of the image", " of the picture", " of the frame", " of the canvas", " of the scene",
            " corner of the image", " corner of the picture", " side of the image", " side of the picture",
            " part of the image", " part of the picture");

    /** What a lexicon phrase can be. */
    public enum Category { RELATION, POSITION, ARRANGEMENT, NUMBER, DETERMINER, NOUN, COLOR, SIZE, ATTRIBUTE, FILLER }

    /** What a noun stands for in a picture. */
    public enum Kind {
        THING, STUFF_TOP, STUFF_BOTTOM, STUFF_FULL, SCENE;

        public boolean stuff() {
            return this == STUFF_TOP || this == STUFF_BOTTOM || this == STUFF_FULL;
        }

        public String wire() {
            return stuff() ? "stuff" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** A noun: singular and plural forms, width/height prior in pixels, kind, and whether it is a mass noun. */
    public record Noun(String singular, String plural, double aspect, Kind kind, boolean mass) {
    }

    /** A size adjective: area multiplier and width/height multiplier. */
    public record SizeWord(double area, double aspect) {
    }

    /**
     * One meaning of a phrase. {@code value} is the relation, place or arrangement type, or the
     * word itself; {@code plural} tells whether a noun matched its plural form.
     */
    public record Sense(Category category, String value, Noun noun, boolean plural, int count, SizeWord size) {
    }

    /** A token of a text: a lexicon phrase (or an unknown word, or a separator) with its meanings. */
    public record Token(String text, List<Sense> senses) {
        public boolean is(Category category) {
            return senses.stream().anyMatch(s -> s.category() == category);
        }

        public Sense sense(Category category) {
            return senses.stream().filter(s -> s.category() == category).findFirst().orElse(null);
        }

        public boolean separator() {
            return text.equals(",") || text.equals(".") || text.equals(":");
        }

        public boolean unknown() {
            return senses.isEmpty() && !separator();
        }
    }

    private final Map<String, List<Sense>> phrases;
    private final int longestPhrase;
    private final String defaultBackground;
    private final int pluralCount;

    private Lexicon(Map<String, List<Sense>> phrases, String defaultBackground, int pluralCount) {
        this.phrases = phrases;
        this.longestPhrase = phrases.keySet().stream().mapToInt(p -> p.split(" ").length).max().orElse(1);
        this.defaultBackground = defaultBackground;
        this.pluralCount = pluralCount;
    }

    /** The bundled lexicon of this version. */
    public static Lexicon load() {
        Map<String, List<Sense>> phrases = new HashMap<>();
        for (String[] row : rows("numbers.txt", 2)) {
            add(phrases, row[0], new Sense(Category.NUMBER, row[0], null, false, Integer.parseInt(row[1]), null));
        }
        for (String[] row : rows("determiners.txt", 1)) {
            add(phrases, row[0], new Sense(Category.DETERMINER, row[0], null, false, 0, null));
        }
        for (String[] row : rows("colors.txt", 1)) {
            add(phrases, row[0], new Sense(Category.COLOR, row[0], null, false, 0, null));
        }
        for (String[] row : rows("sizes.txt", 3)) {
            add(phrases, row[0], new Sense(Category.SIZE, row[0], null, false, 0,
                    new SizeWord(Double.parseDouble(row[1]), Double.parseDouble(row[2]))));
        }
        for (String[] row : rows("attributes.txt", 1)) {
            add(phrases, row[0], new Sense(Category.ATTRIBUTE, row[0], null, false, 0, null));
        }
        for (String[] row : rows("nouns.txt", 4)) {
            String singular = row[0].replace('_', ' ');
            boolean mass = row.length > 4 && row[4].equals("mass");
            String plural = row[1].equals("-") ? plural(singular) : row[1].replace('_', ' ');
            double aspect = row[2].equals("-") ? 1.0 : Double.parseDouble(row[2]);
            Kind kind = Kind.valueOf(row[3].toUpperCase(Locale.ROOT).replace('-', '_'));
            Noun noun = new Noun(singular, plural, aspect, kind, mass);
            add(phrases, singular, new Sense(Category.NOUN, singular, noun, false, 0, null));
            if (!plural.equals(singular)) {
                add(phrases, plural, new Sense(Category.NOUN, singular, noun, true, 0, null));
            }
        }
        for (String[] row : barRows("relations.txt")) {
            add(phrases, row[0], new Sense(Category.RELATION, row[1], null, false, 0, null));
        }
        for (String[] row : barRows("positions.txt")) {
            for (String prefix : POSITION_PREFIXES) {
                for (String suffix : POSITION_SUFFIXES) {
                    add(phrases, prefix + row[0] + suffix, new Sense(Category.POSITION, row[1], null, false, 0, null));
                }
            }
        }
        for (String[] row : barRows("arrangements.txt")) {
            add(phrases, row[0], new Sense(Category.ARRANGEMENT, row[1], null, false, 0, null));
        }
        for (String[] row : barRows("fillers.txt")) {
            add(phrases, row[0], new Sense(Category.FILLER, row[0], null, false, 0, null));
        }
        Properties properties = new Properties();
        try (InputStream in = resource("planner.properties")) {
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read lexicon planner.properties", e);
        }
        phrases.replaceAll((k, v) -> List.copyOf(v));
        return new Lexicon(Map.copyOf(phrases), required(properties, "default.background"),
                Integer.parseInt(required(properties, "plural.default.count")));
    }

    /** The background caption when a prompt names no scene. */
    public String defaultBackground() {
        return defaultBackground;
    }

    /** How many instances a bare plural ("apples") stands for. */
    public int pluralCount() {
        return pluralCount;
    }

    /** The meanings of a phrase (lower case, single spaces), empty if it is not in the lexicon. */
    public List<Sense> senses(String phrase) {
        return phrases.getOrDefault(phrase, List.of());
    }

    /**
     * Normalises {@code text} and splits it into lexicon phrases, longest match first, never across
     * a separator. Unknown words become tokens without senses; digits become numbers.
     */
    public List<Token> tokenize(String text) {
        String normal = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT)
                .replace('\u2019', '\'')
                .replaceAll("[-_/]", " ")
                .replace("&", " and ")
                .replaceAll("[,;]", " , ")
                .replaceAll(":", " : ")
                .replaceAll("[.!?]+", " . ")
                .replaceAll("'s\\b", "")
                .replaceAll("[^\\p{L}\\p{N},.: ]", " ")
                .trim();
        List<String> words = new ArrayList<>();
        for (String w : normal.split("\\s+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < words.size()) {
            String word = words.get(i);
            if (word.equals(",") || word.equals(".") || word.equals(":")) {
                tokens.add(new Token(word, List.of()));
                i++;
                continue;
            }
            if (word.chars().allMatch(Character::isDigit)) {
                int count = word.length() > 3 ? 1000 : Integer.parseInt(word);
                tokens.add(new Token(word, List.of(new Sense(Category.NUMBER, word, null, false, count, null))));
                i++;
                continue;
            }
            int matched = 0;
            List<Sense> senses = List.of();
            StringBuilder phrase = new StringBuilder();
            for (int n = 1; n <= longestPhrase && i + n <= words.size(); n++) {
                String next = words.get(i + n - 1);
                if (next.equals(",") || next.equals(".") || next.equals(":")) {
                    break;
                }
                if (n > 1) {
                    phrase.append(' ');
                }
                phrase.append(next);
                List<Sense> found = phrases.get(phrase.toString());
                if (found != null) {
                    matched = n;
                    senses = found;
                }
            }
            if (matched == 0) {
                tokens.add(new Token(word, List.of()));
                i++;
            } else {
                tokens.add(new Token(String.join(" ", words.subList(i, i + matched)), senses));
                i += matched;
            }
        }
        return Collections.unmodifiableList(tokens);
    }

    /** A regular English plural: +es after s, x, z, ch, sh; consonant + y → ies; otherwise +s. */
    static String plural(String singular) {
        if (singular.contains(" ")) {
            int last = singular.lastIndexOf(' ');
            return singular.substring(0, last + 1) + plural(singular.substring(last + 1));
        }
        if (singular.matches(".*(s|x|z|ch|sh)")) {
            return singular + "es";
        }
        if (singular.matches(".*[^aeiou]y")) {
            return singular.substring(0, singular.length() - 1) + "ies";
        }
        return singular + "s";
    }

    /** The singular of an unknown plural word, by the regular rules reversed (a guess, flagged as such). */
    static String singularGuess(String plural) {
        if (plural.length() > 4 && plural.endsWith("ies")) {
            return plural.substring(0, plural.length() - 3) + "y";
        }
        if (plural.length() > 4 && plural.matches(".*(ses|xes|zes|ches|shes)")) {
            return plural.substring(0, plural.length() - 2);
        }
        if (plural.length() > 3 && plural.endsWith("s") && !plural.endsWith("ss")) {
            return plural.substring(0, plural.length() - 1);
        }
        return plural;
    }

    private static void add(Map<String, List<Sense>> phrases, String phrase, Sense sense) {
        String key = phrase.replace('_', ' ').trim().replaceAll("\\s+", " ");
        List<Sense> list = phrases.computeIfAbsent(key, k -> new ArrayList<>());
        if (!list.contains(sense)) {
            list.add(sense);
        }
    }

    private static List<String[]> rows(String file, int columns) {
        List<String[]> rows = new ArrayList<>();
        for (String line : lines(file)) {
            String[] row = line.split("\\s+");
            if (row.length < columns) {
                throw new IllegalStateException("lexicon " + file + ": \"" + line + "\" needs " + columns + " columns");
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<String[]> barRows(String file) {
        List<String[]> rows = new ArrayList<>();
        for (String line : lines(file)) {
            String[] row = line.split("\\|");
            for (int i = 0; i < row.length; i++) {
                row[i] = row[i].trim();
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<String> lines(String file) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(resource(file), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                int hash = line.indexOf('#');
                String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (!content.isEmpty()) {
                    lines.add(content);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read lexicon " + file, e);
        }
        return lines;
    }

    private static InputStream resource(String file) {
        InputStream in = Lexicon.class.getResourceAsStream(ROOT + file);
        if (in == null) {
            throw new IllegalStateException("lexicon resource " + ROOT + file + " is missing from the class path");
        }
        return in;
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("lexicon planner.properties has no " + key);
        }
        return v.trim();
    }

    /** Counts of entries per category, for the service's info and tests. */
    public Map<Category, Integer> sizes() {
        Map<Category, Integer> out = new LinkedHashMap<>();
        for (Category c : Category.values()) {
            out.put(c, 0);
        }
        phrases.values().forEach(list -> list.forEach(s -> out.merge(s.category(), 1, Integer::sum)));
        return out;
    }
}
