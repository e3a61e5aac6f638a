package dev.lumen.helm;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The chart under test, rendered in-process by helm-java (Helm 3 as a native library), the way
 * {@code helm template} and {@code helm install --dry-run} render it, with no cluster.
 *
 * <p>helm-java's template returns the release manifest only, which leaves hooks out (Helm keeps
 * them apart, in the release's hooks). So that hook resources are read and checked like every
 * other, {@link #template} renders a copy of the chart under {@code target/} whose
 * {@code helm.sh/hook*} annotation keys are renamed to {@value #HOOK_KEY_PREFIX}{@code *}: the
 * resource then appears in the manifest, with its hook settings under the renamed keys.
 */
final class LumenChart {
    /** The module's base directory: Surefire runs tests there. */
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path CHART = MODULE.resolve("lumen");
    static final Path REPOSITORY = MODULE.getParent();
    static final String RELEASE = "lumen";
    static final String NAMESPACE = "lumen";
    /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion), so newer-only fields fail here. */
    static final String KUBE_VERSION = "v1.27.0";

    /** Where {@code helm.sh/hook} annotations appear in renderings of the test copy. */
    static final String HOOK_KEY_PREFIX = "hooks.test.lumen.dev/hook";
    private static final Path HOOKS_VISIBLE = MODULE.resolve("target/chart-with-visible-hooks/lumen");
    private static boolean copied;

    private LumenChart() {
    }

    /** The chart with its hooks rendered as plain resources (see the class comment); copied once per run. */
    static synchronized Path hooksVisibleChart() {
        if (!copied) {
            try {
                if (Files.exists(HOOKS_VISIBLE)) {
                    try (Stream<Path> old = Files.walk(HOOKS_VISIBLE)) {
                        for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    }
                }
                try (Stream<Path> paths = Files.walk(CHART)) {
                    for (Path p : paths.toList()) {
                        Path target = HOOKS_VISIBLE.resolve(CHART.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(target);
                        } else if (p.toString().endsWith(".yaml") && p.startsWith(CHART.resolve("templates"))) {
                            Files.writeString(target, Files.readString(p).replace("helm.sh/hook", HOOK_KEY_PREFIX));
                        } else {
                            Files.copy(p, target);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the chart to " + HOOKS_VISIBLE, e);
            }
            copied = true;
        }
        return HOOKS_VISIBLE;
    }

    /** Values for one rendering: files (in order) and --set pairs (after the files, as Helm does). */
    record Values(List<Path> files, Map<String, String> sets) {
        static Values defaults() {
            return new Values(List.of(), Map.of());
        }

        static Values files(Path... files) {
            return new Values(List.of(files), Map.of());
        }

        Values set(String key, String value) {
            Map<String, String> more = new LinkedHashMap<>(sets);
            more.put(key, value);
            return new Values(files, more);
        }

        Values file(Path file) {
            List<Path> more = new ArrayList<>(files);
            more.add(file);
            return new Values(more, sets);
        }
    }

    /** `helm template lumen helm/lumen -n lumen …`: the manifests, or an exception with Helm's message. */
    static String template(Values values) {
        TemplateCommand command = new Helm(hooksVisibleChart()).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        values.files().forEach(command::withValuesFile);
        values.sets().forEach(command::set);
        return command.call();
    }

    /** Renders and reads every manifest into the typed model. */
    static Rendered render(Values values) {
        return new Rendered(StrictKubernetesReader.read(template(values)));
    }

    /** `helm install --dry-run=client`: Helm's status report, which holds the rendered NOTES.txt. */
    static String installReport(Values values) {
        InstallCommand command = new Helm(CHART).install().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).dryRun().withDryRunOption(DryRun.CLIENT).clientOnly();
        values.files().forEach(command::withValuesFile);
        values.sets().forEach(command::set);
        return command.call().getOutput();
    }

    /** A workload's pod template, whatever its kind. */
    record Workload(StrictKubernetesReader.Manifest manifest, PodTemplateSpec template) {
        PodSpec pod() {
            return template.getSpec();
        }

        String name() {
            return manifest.name();
        }

        /** Containers that run for the pod's life (not init containers). */
        List<Container> containers() {
            return pod().getContainers();
        }

        List<Container> allContainers() {
            return Stream.concat(pod().getInitContainers().stream(), pod().getContainers().stream()).toList();
        }
    }

    /** The manifests of one rendering. */
    record Rendered(List<StrictKubernetesReader.Manifest> manifests) {
        <T> List<T> all(Class<T> type) {
            return manifests.stream().map(StrictKubernetesReader.Manifest::typed).filter(type::isInstance)
                    .map(type::cast).toList();
        }

        <T> Optional<T> find(Class<T> type, String name) {
            return manifests.stream().filter(m -> type.isInstance(m.typed()) && m.name().equals(name))
                    .map(m -> type.cast(m.typed())).findFirst();
        }

        <T> T get(Class<T> type, String name) {
            return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named "
                    + name + "; rendered: " + manifests.stream().map(m -> m.kind() + "/" + m.name()).toList()));
        }

        /** Deployments, StatefulSets and Jobs with their pod templates. */
        List<Workload> workloads() {
            List<Workload> workloads = new ArrayList<>();
            for (StrictKubernetesReader.Manifest m : manifests) {
                switch (m.typed()) {
                    case Deployment d -> workloads.add(new Workload(m, d.getSpec().getTemplate()));
                    case StatefulSet s -> workloads.add(new Workload(m, s.getSpec().getTemplate()));
                    case Job j -> workloads.add(new Workload(m, j.getSpec().getTemplate()));
                    default -> {
                    }
                }
            }
            return workloads;
        }

        Workload workload(String name) {
            return workloads().stream().filter(w -> w.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no workload " + name + " in "
                            + workloads().stream().map(Workload::name).toList()));
        }
    }
}
