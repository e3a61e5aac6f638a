package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

/** The reader the chart tests rely on refuses what the typed model does not know, naming it. */
class StrictKubernetesReaderTest {
    static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x, namespace: lumen}
            spec:
              selector: {matchLabels: {a: b}}
              template:
                metadata: {labels: {a: b}}
                spec:
                  containers:
                    - name: c
                      image: i
                      %s
            """;

    @Test
    void aKnownFieldReads() {
        Deployment d = StrictKubernetesReader.readStrict(DEPLOYMENT.formatted("readinessProbe: {tcpSocket: {port: 80}}"),
                Deployment.class);

        assertThat(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getReadinessProbe().getTcpSocket()
                .getPort().getIntVal()).isEqualTo(80);
    }

    @Test
    void aMisspeltFieldIsAnErrorNamingIt() {
        assertThatThrownBy(() -> StrictKubernetesReader.read("# Source: lumen/templates/x.yaml\n"
                + DEPLOYMENT.formatted("readinesProbe: {tcpSocket: {port: 80}}")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("templates/x.yaml").hasMessageContaining("readinesProbe");
    }

    @Test
    void aMisspeltFieldInACustomResourceIsAnError() {
        assertThatThrownBy(() -> StrictKubernetesReader.read("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: x}
                spec:
                  scaleTargetRef: {name: d}
                  minReplicas: 1
                """)).isInstanceOf(AssertionError.class).hasMessageContaining("minReplicas");
    }

    @Test
    void aKindWithoutAModelIsRefused() {
        assertThatThrownBy(() -> StrictKubernetesReader.read("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no typed model for v1 Pod");
    }
}
