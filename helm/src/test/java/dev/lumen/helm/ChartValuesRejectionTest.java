package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.helm.LumenChart.Values;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad values stop `helm install` with a message that names the value: wrong types and unknown keys
 * through values.schema.json, rules across values (one pool per model, grace periods, autoscaler
 * limits) through the templates' own checks.
 */
class ChartValuesRejectionTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            gateway.replicas                        | two          | at '/gateway/replicas': got string, want integer
            gateway.replica                         | 2            | additional properties 'replica' not allowed
            kafka.mode                              | embedded     | at '/kafka/mode'
            kafka.topics.partitions                 | 0            | at '/kafka/topics/partitions': minimum
            gateway.syncWait                        | sixty        | at '/gateway/syncWait'
            workers.defaults.backend                | cuda         | at '/workers/defaults/backend'
            workers.defaults.gpu.count              | one          | at '/workers/defaults/gpu/count': got string, want integer
            workers.defaults.shmSize                | lots         | at '/workers/defaults/shmSize'
            workers.defaults.modelCache.type        | hostPath     | at '/workers/defaults/modelCache/type'
            workers.pools[0].name                   | Pixart_512   | at '/workers/pools/0/name'
            workers.pools[0].resolution             | 500          | at '/workers/pools/0/resolution'
            workers.pools[0].model.dir              | ../etc       | at '/workers/pools/0/model/dir'
            workers.pools[0].model.source           | ftp://x/y    | at '/workers/pools/0/model/source'
            workers.pools[0].autoscaling.keda.fast  | true         | additional properties 'fast' not allowed
            objectStore.external.endpoint           | s3.local     | at '/objectStore/external/endpoint'
            monitoring.serviceMonitor.interval      | often        | at '/monitoring/serviceMonitor/interval'
            """)
    void theSchemaRejectsAWrongTypeOrUnknownKeyNamingThePath(String key, String value, String message) {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults().set(key, value)))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(message);
    }

    @Test
    void aClearTextApiKeyIsRefusedWhereItsHashBelongs(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("keys.yaml"), """
                gateway:
                  auth:
                    keys:
                      - {name: ops, tenant: ops, sha256: lmn_this-is-the-key-itself}
                """);

        assertThatThrownBy(() -> LumenChart.template(Values.files(values)))
                .hasMessageContaining("at '/gateway/auth/keys/0/sha256'");
    }

    @Test
    void twoPoolsServingOneModelAreRefused(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("pools.yaml"), """
                workers:
                  pools:
                    - {name: a, model: {name: pixart, dir: a}, resolution: 512}
                    - {name: b, model: {name: pixart, dir: b}, resolution: 1024}
                """);

        assertThatThrownBy(() -> LumenChart.template(Values.files(values)))
                .hasMessageContaining("workers.pools[1]: model \"pixart\" is already served by pool \"a\"");
    }

    @Test
    void aPoolNameUsedTwiceIsRefused(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("pools.yaml"), """
                workers:
                  pools:
                    - {name: a, model: {name: m1, dir: a}, resolution: 512}
                    - {name: a, model: {name: m2, dir: b}, resolution: 512}
                """);

        assertThatThrownBy(() -> LumenChart.template(Values.files(values)))
                .hasMessageContaining("workers.pools[1]: pool name \"a\" is used twice");
    }

    @Test
    void aTerminationGraceThatCannotCoverTheWorkersOwnGraceIsRefused() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults()
                .set("workers.defaults.gracePeriodSeconds", "120")))
                .hasMessageContaining("terminationGracePeriodSeconds 90 must exceed gracePeriodSeconds 120 by at least 15 s");
    }

    @Test
    void kedaIdleReplicasMustBeBelowItsMinimum() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults()
                .set("workers.defaults.autoscaling.keda.enabled", "true")
                .set("workers.defaults.autoscaling.keda.idleReplicaCount", "1")))
                .hasMessageContaining("idleReplicaCount 1 must be below minReplicas 1");
    }

    @Test
    void kedaAndHpaOnOnePoolAreRefused() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults()
                .set("workers.defaults.autoscaling.keda.enabled", "true")
                .set("workers.defaults.autoscaling.hpa.enabled", "true")))
                .hasMessageContaining("autoscaling.keda and autoscaling.hpa are both enabled");
    }

    @Test
    void externalKafkaWithoutBootstrapServersIsRefused() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults().set("kafka.mode", "external")))
                .hasMessageContaining("kafka.external.bootstrapServers is required when kafka.mode is external");
    }

    @Test
    void externalStorageWithoutCredentialsIsRefused() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults().set("objectStore.mode", "external")
                .set("objectStore.external.endpoint", "https://s3.example.com")))
                .hasMessageContaining("objectStore.accessKey (or objectStore.existingSecret) is required with an external store");
    }

    @Test
    void anExistingClaimCacheNeedsTheClaimsName() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults().set("workers.defaults.modelCache.type", "existingClaim")))
                .hasMessageContaining("modelCache.existingClaim is required with modelCache.type existingClaim");
    }

    @Test
    void aPdbWithBothBoundsIsRefused() {
        assertThatThrownBy(() -> LumenChart.template(Values.defaults().set("gateway.pdb.maxUnavailable", "1")))
                .hasMessageContaining("gateway.pdb: set only one of minAvailable and maxUnavailable");
    }
}
