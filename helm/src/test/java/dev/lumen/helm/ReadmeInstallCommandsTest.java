package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.helm.LumenChart.Rendered;
import dev.lumen.helm.LumenChart.Values;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Install on Kubernetes" commands are the ones this test renders: it reads the
 * section's shell blocks, evaluates the few variables they set, and turns every `helm install`
 * into the same rendering (values files, --set and --set-string in order). It fails on an option,
 * a variable or a command substitution it does not understand, so the README cannot drift into
 * something untested. It also checks that the images the chart deploys are the ones the README
 * builds, and that the port-forward command is the one the install notes print.
 */
class ReadmeInstallCommandsTest {
    static final Path README = LumenChart.REPOSITORY.resolve("README.md");
    /** Stands for `openssl rand -hex 32`: any 64 hex digits. */
    static final String RANDOM_HEX = "9c0e2f4a6b8d1e3f5a7c9e0b2d4f6a8c1e3a5c7e9b0d2f4a6c8e0a2c4e6b8d0f";

    record HelmInstall(String line, Values values) {
    }

    record Commands(Map<String, String> variables, List<HelmInstall> installs, List<String> otherLines) {
    }

    static String section() throws IOException {
        String text = Files.readString(README);
        int start = text.indexOf("\n## Install on Kubernetes\n");
        assertThat(start).as("README has an 'Install on Kubernetes' section").isNotNegative();
        int end = text.indexOf("\n## ", start + 1);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    static Commands commands() throws IOException {
        Map<String, String> variables = new LinkedHashMap<>();
        List<HelmInstall> installs = new ArrayList<>();
        List<String> other = new ArrayList<>();
        Matcher block = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL).matcher(section());
        while (block.find()) {
            for (String line : block.group(1).replace("\\\n", " ").lines().map(String::strip).toList()) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                Matcher assignment = Pattern.compile("^([A-Z][A-Z0-9_]*)=(.*)$").matcher(line);
                if (assignment.matches()) {
                    variables.put(assignment.group(1), evaluate(assignment.group(2), variables));
                } else if (line.startsWith("helm ")) {
                    installs.add(new HelmInstall(line, helmInstall(tokens(line, variables))));
                } else {
                    other.add(line);
                }
            }
        }
        return new Commands(variables, installs, other);
    }

    /** The right-hand sides the README may use: literals and two known command substitutions. */
    static String evaluate(String expression, Map<String, String> variables) {
        if (!expression.contains("$")) {
            return expression;
        }
        if (expression.equals("lmn_$(openssl rand -hex 32)")) {
            return "lmn_" + RANDOM_HEX;
        }
        if (expression.equals("$(printf %s \"$KEY\" | sha256sum | cut -d' ' -f1)")) {
            return ChartComponentsTest.sha256(variables.get("KEY"));
        }
        throw new AssertionError("the README test cannot evaluate: " + expression);
    }

    /** Shell words with single and double quotes and $NAME expansion; no command substitution. */
    static List<String> tokens(String line, Map<String, String> variables) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quote == 0 && Character.isWhitespace(ch)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (quote != '\'' && ch == '$') {
                Matcher name = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*").matcher(line).region(i + 1, line.length());
                if (!name.lookingAt()) {
                    throw new AssertionError("the README test cannot expand '" + line.substring(i) + "' in: " + line);
                }
                String value = variables.get(name.group());
                assertThat(value).as("variable $" + name.group() + " is set before: " + line).isNotNull();
                word.append(value);
                i = name.end() - 1;
            } else if (quote == 0 && (ch == '\'' || ch == '"')) {
                quote = ch;
            } else if (quote != 0 && ch == quote) {
                quote = 0;
            } else {
                word.append(ch);
            }
        }
        assertThat((int) quote).as("balanced quotes in: " + line).isZero();
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    static Values helmInstall(List<String> words) {
        assertThat(words.subList(0, 4)).as("helm install <release> <chart>")
                .containsExactly("helm", "install", LumenChart.RELEASE, "helm/lumen");
        assertThat(LumenChart.REPOSITORY.resolve(words.get(3))).isEqualTo(LumenChart.CHART);
        Values values = Values.defaults();
        for (int i = 4; i < words.size(); i++) {
            String option = words.get(i);
            switch (option) {
                case "--namespace", "-n" -> assertThat(words.get(++i)).isEqualTo(LumenChart.NAMESPACE);
                case "--create-namespace" -> {
                }
                case "-f", "--values" -> {
                    Path file = LumenChart.REPOSITORY.resolve(words.get(++i));
                    assertThat(file).as("values file named in the README").isRegularFile();
                    values = values.file(file);
                }
                case "--set", "--set-string" -> {
                    String pair = words.get(++i);
                    int eq = pair.indexOf('=');
                    assertThat(eq).as(option + " " + pair).isPositive();
                    values = values.set(pair.substring(0, eq), pair.substring(eq + 1));
                }
                default -> throw new AssertionError("the README test does not know the helm option " + option);
            }
        }
        return values;
    }

    @Test
    void everyHelmInstallInTheReadmeRendersWithTheKeysHashAndTheBuiltImages() throws IOException {
        Commands commands = commands();
        String registry = commands.variables().get("REGISTRY");
        String key = commands.variables().get("KEY");
        Set<String> built = builtImages(commands, registry);

        assertThat(commands.installs()).as("helm install commands in the README").hasSize(2);
        for (HelmInstall install : commands.installs()) {
            Rendered r = LumenChart.render(install.values());

            assertThat(ChartComponentsTest.decoded(r.get(Secret.class, "lumen-api-keys")))
                    .as(install.line()).containsEntry("LUMEN_GATEWAY_AUTH_KEYS_0_SHA256", ChartComponentsTest.sha256(key))
                    .doesNotContainValue(key);
            Set<String> lumenImages = new TreeSet<>();
            for (var w : r.workloads()) {
                for (Container c : w.allContainers()) {
                    if (c.getImage().contains("/lumen/")) {
                        lumenImages.add(c.getImage());
                    }
                }
            }
            assertThat(lumenImages).as("Lumen images deployed by: " + install.line()).isNotEmpty();
            assertThat(built).as("images the README builds").containsAll(lumenImages);
        }
    }

    @Test
    void theReadmesPortForwardIsTheOneTheInstallNotesPrint() throws IOException {
        Commands commands = commands();
        String portForward = commands.otherLines().stream().filter(l -> l.startsWith("kubectl port-forward")).findFirst()
                .orElseThrow(() -> new AssertionError("README has no kubectl port-forward"));

        String notes = LumenChart.installReport(commands.installs().getFirst().values());

        assertThat(notes).contains("NOTES:").contains(portForward);
        assertThat(notes).as("the notes tell how to make a key").contains("openssl rand -hex 32").contains("sha256sum");
        assertThat(notes).doesNotContain("WARNING: no API key is configured");
    }

    @Test
    void withoutKeysTheNotesWarnThatEveryRequestIsRefused() {
        String notes = LumenChart.installReport(Values.defaults());

        assertThat(notes).contains("WARNING: no API key is configured yet, so every API request is answered 401.");
        assertThat(notes).contains("kubectl cp ./PixArt-XL-2-512x512").contains("-c model-init");
    }

    /** Images the README's build loop pushes, after checking that each built folder has a Dockerfile. */
    static Set<String> builtImages(Commands commands, String registry) throws IOException {
        String loop = commands.otherLines().stream().filter(l -> l.startsWith("for service in ")).findFirst()
                .orElseThrow(() -> new AssertionError("README has no image build loop"));
        String services = loop.substring("for service in ".length(), loop.indexOf(';'));
        String build = commands.otherLines().stream().filter(l -> l.startsWith("docker build")).findFirst().orElseThrow();
        assertThat(build).contains("-t \"$REGISTRY/lumen/$service:0.1.0\" \"$service\"");
        String chartYaml = Files.readString(LumenChart.CHART.resolve("Chart.yaml"));
        assertThat(chartYaml).as("the README tags images with the chart's appVersion").contains("appVersion: \"0.1.0\"");
        Set<String> images = new TreeSet<>();
        for (String service : services.strip().split("\\s+")) {
            assertThat(LumenChart.REPOSITORY.resolve(service).resolve("Dockerfile")).isRegularFile();
            images.add(registry + "/lumen/" + service + ":0.1.0");
        }
        return images;
    }
}
