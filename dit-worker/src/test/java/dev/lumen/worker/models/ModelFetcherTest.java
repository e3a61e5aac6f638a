package dev.lumen.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Pulls from a local stand-in for the Hugging Face Hub ({@link FakeHub}) serving the tiny PixArt
 * fixture under the Hub's URL layout, plus files a pull must leave behind (a README, PyTorch
 * twins, an fp16 variant, a component the pipeline does not declare) and a text encoder split
 * into shards with an index, as transformers publishes large ones.
 */
class ModelFetcherTest {
    private static final Path FIXTURE = Path.of("engine/src/test/resources/pixart-tiny/model");
    private static final String REPO = "lumen-test/pixart-tiny";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path cache;

    private FakeHub hub;
    private Map<String, byte[]> repo;

    @BeforeEach
    void serve() throws IOException {
        repo = new TreeMap<>(FakeHub.read(FIXTURE));
        repo.remove("text_encoder/model.safetensors");
        repo.putAll(shard(Files.readAllBytes(FIXTURE.resolve("text_encoder/model.safetensors")), "text_encoder/"));
        repo.put("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8));
        repo.put("vae/diffusion_pytorch_model.bin", "not used: PyTorch pickle".getBytes(StandardCharsets.UTF_8));
        repo.put("text_encoder/pytorch_model.bin.index.json", "{\"weight_map\": {}}".getBytes(StandardCharsets.UTF_8));
        repo.put("transformer/diffusion_pytorch_model.fp16.safetensors", new byte[] {1, 2, 3, 4});
        repo.put("safety_checker/model.safetensors", new byte[] {5, 6, 7});
        hub = new FakeHub(REPO, COMMIT, repo);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private ModelSourceSettings settings() {
        return new ModelSourceSettings(cache, hub.endpoint(), null, false, null, null, null, null, 3, Duration.ZERO);
    }

    private static List<String> filesUnder(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> !Files.isDirectory(p)).map(p -> folder.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }

    @Test
    void pullsExactlyThePipelineFilesVerifiedAndTheModelGeneratesAsTheOriginal() throws Exception {
        RecordingListener progress = new RecordingListener();
        Path folder = new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), progress);

        assertThat(folder).isEqualTo(cache.resolve("hf/lumen-test--pixart-tiny/snapshots/" + COMMIT));
        assertThat(filesUnder(folder)).containsExactly(ModelCache.MANIFEST, "model_index.json",
                "scheduler-lcm/scheduler_config.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
                "text_encoder/model-00001-of-00002.safetensors", "text_encoder/model-00002-of-00002.safetensors",
                "text_encoder/model.safetensors.index.json", "tokenizer/added_tokens.json",
                "tokenizer/special_tokens_map.json", "tokenizer/spiece.model", "tokenizer/tokenizer_config.json",
                "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors", "vae/config.json",
                "vae/diffusion_pytorch_model.safetensors");
        for (String file : filesUnder(folder)) {
            if (!file.equals(ModelCache.MANIFEST)) {
                assertThat(Files.readAllBytes(folder.resolve(file))).as(file).isEqualTo(repo.get(file));
            }
        }
        // Weights came through the content server, without the token's header; the bar saw every byte.
        assertThat(hub.requests()).anyMatch(r -> r.startsWith("GET /cdn/"))
                .noneMatch(r -> r.contains("fp16") || r.contains(".bin") || r.contains("README") || r.contains("safety_checker"));
        long selectedBytes = filesUnder(folder).stream().filter(f -> !f.equals(ModelCache.MANIFEST))
                .mapToLong(f -> repo.get(f).length).sum();
        // model_index.json and the weight index are read to choose the rest, before the bar starts.
        long readFirst = repo.get("model_index.json").length + repo.get("text_encoder/model.safetensors.index.json").length;
        assertThat(progress.total).isEqualTo(selectedBytes - readFirst);
        assertThat(progress.transferred.get()).isEqualTo(progress.total);
        assertThat(progress.finished).isTrue();

        // The pulled (sharded) model draws exactly what the fixture draws.
        GenerationRequest request = new GenerationRequest(List.of("a red circle"), "", 2, 4.5, 64, 64, 7, PipelineInputs.NONE);
        float[] pulled;
        float[] original;
        try (PixArtPipeline p = PixArtPipeline.load(ModelFolder.open(folder), new CpuOps())) {
            pulled = p.generate(request).images().getFirst().values();
        }
        try (PixArtPipeline p = PixArtPipeline.load(ModelFolder.open(FIXTURE), new CpuOps())) {
            original = p.generate(request).images().getFirst().values();
        }
        assertThat(pulled).containsExactly(original);
    }

    @Test
    void aSecondPullTransfersNothingAndAnOfflineStartUsesTheCache() throws Exception {
        Path first = new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE);
        hub.clearRequests();

        RecordingListener again = new RecordingListener();
        Path second = new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO + "@main"), again);
        assertThat(second).isEqualTo(first);
        assertThat(hub.requests()).allMatch(r -> r.startsWith("GET /api/models/" + REPO + "/revision/main"));
        assertThat(again.transferred.get()).isZero();

        hub.close();
        // Offline on purpose: the ref written by the pull names the commit.
        assertThat(new ModelFetcher(settings().withOffline(true)).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE))
                .isEqualTo(first);
        // The Hub is away (connection refused): the cached snapshot is used.
        assertThat(new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE)).isEqualTo(first);
        // A pinned commit in the cache needs no network at all.
        assertThat(new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO + "@" + COMMIT), FetchListener.NONE))
                .isEqualTo(first);
        // Something never pulled cannot come from an offline cache.
        assertThatThrownBy(() -> new ModelFetcher(settings().withOffline(true))
                .fetch(ModelSource.parse("hf:lumen-test/other"), FetchListener.NONE))
                .isInstanceOf(ModelDownloadException.class).hasMessageContaining("hf:lumen-test/other")
                .hasMessageContaining("HF_HUB_OFFLINE");
    }

    @Test
    void anInterruptedTransferResumesWithARangeRequest() throws Exception {
        String file = "vae/diffusion_pytorch_model.safetensors";
        hub.cutOnce(file, 300_000);
        Path folder = new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE);

        String sha = FakeHub.sha256(repo.get(file));
        assertThat(hub.requests()).contains("GET /cdn/" + sha + " range=- auth=no");
        // It resumes where what arrived ends (the client may drop the last buffer it had when the connection broke).
        long resumedAt = resumeOffset(hub.requests(), sha);
        assertThat(resumedAt).isBetween(1L, 300_000L);
        assertThat(Files.readAllBytes(folder.resolve(file))).isEqualTo(repo.get(file));
    }

    @Test
    void aPullThatGivesUpKeepsThePartialFileAndTheNextPullResumesIt() throws Exception {
        String file = "transformer/diffusion_pytorch_model.safetensors";
        String sha = FakeHub.sha256(repo.get(file));
        hub.cutOnce(file, 123_456);
        ModelSourceSettings once = settings().withRetries(1, Duration.ZERO);
        assertThatThrownBy(() -> new ModelFetcher(once).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE))
                .isInstanceOf(ModelDownloadException.class).hasMessageContaining(file).hasMessageContaining("resumes");
        Path partial = cache.resolve("hf/lumen-test--pixart-tiny/blobs/" + sha + ".incomplete");
        long kept = Files.size(partial);
        assertThat(kept).isBetween(1L, 123_456L);
        assertThat(ModelCache.complete(cache.resolve("hf/lumen-test--pixart-tiny/snapshots/" + COMMIT))).isFalse();

        hub.clearRequests();
        Path folder = new ModelFetcher(once).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE);
        assertThat(hub.requests()).contains("GET /cdn/" + sha + " range=bytes=" + kept + "- auth=no");
        assertThat(Files.readAllBytes(folder.resolve(file))).isEqualTo(repo.get(file));
        assertThat(partial).doesNotExist();
    }

    @Test
    void aCorruptedLfsFileIsDetectedDeletedAndNeverUsed() {
        String file = "vae/diffusion_pytorch_model.safetensors";
        hub.corrupt(file);
        assertThatThrownBy(() -> new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining(file).hasMessageContaining("SHA-256").hasMessageContaining(FakeHub.sha256(repo.get(file)))
                .hasMessageContaining("corrupt");
        Path blobs = cache.resolve("hf/lumen-test--pixart-tiny/blobs");
        assertThat(blobs.resolve(FakeHub.sha256(repo.get(file)))).doesNotExist();
        assertThat(blobs.resolve(FakeHub.sha256(repo.get(file)) + ".incomplete")).doesNotExist();
        assertThat(ModelCache.complete(cache.resolve("hf/lumen-test--pixart-tiny/snapshots/" + COMMIT))).isFalse();
    }

    @Test
    void aCorruptedPlainFileFailsItsGitBlobHash() {
        hub.corrupt("transformer/config.json");
        assertThatThrownBy(() -> new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE))
                .isInstanceOf(ModelDownloadException.class).hasMessageContaining("transformer/config.json")
                .hasMessageContaining("git blob SHA-1").hasMessageContaining(FakeHub.gitSha1(repo.get("transformer/config.json")));
    }

    @Test
    void aPrivateRepositoryNeedsTheTokenAndSaysSo() throws Exception {
        hub.requiredToken = "hf_secret";
        assertThatThrownBy(() -> new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE))
                .isInstanceOf(ModelDownloadException.class).hasMessageContaining("HTTP 401").hasMessageContaining("HF_TOKEN");
        hub.clearRequests();
        Path folder = new ModelFetcher(settings().withToken("hf_secret")).fetch(ModelSource.parse("hf:" + REPO),
                FetchListener.NONE);
        assertThat(ModelCache.complete(folder)).isTrue();
        // The token goes to the Hub, never to the content server it redirects to.
        assertThat(hub.requests()).filteredOn(r -> r.startsWith("GET /api/") || r.contains("/resolve/")).allMatch(r -> r.endsWith("auth=yes"));
        assertThat(hub.requests()).filteredOn(r -> r.contains("/cdn/")).isNotEmpty().allMatch(r -> r.endsWith("auth=no"));
    }

    @Test
    void withoutBlobDataInTheListingTheHashesComeFromTheResolveHeaders() throws Exception {
        hub.listBlobs = false;
        Path folder = new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO), FetchListener.NONE);
        assertThat(hub.requests()).anyMatch(r -> r.startsWith("HEAD /" + REPO + "/resolve/" + COMMIT + "/vae/diffusion_pytorch_model.safetensors"));
        assertThat(Files.readAllBytes(folder.resolve("vae/diffusion_pytorch_model.safetensors")))
                .isEqualTo(repo.get("vae/diffusion_pytorch_model.safetensors"));
        // Blobs are named by the hash they were verified against.
        assertThat(cache.resolve("hf/lumen-test--pixart-tiny/blobs/" + FakeHub.gitSha1(repo.get("model_index.json")))).exists();
    }

    @Test
    void anUnknownRepositoryOrRevisionIsA404ThatSaysSo() {
        assertThatThrownBy(() -> new ModelFetcher(settings()).fetch(ModelSource.parse("hf:" + REPO + "@v9"), FetchListener.NONE))
                .isInstanceOf(ModelDownloadException.class).hasMessageContaining("hf:" + REPO + "@v9")
                .hasMessageContaining("404");
    }

    @Test
    void theInitContainerEntryPointPullsAndPointsTheModelDirAtTheSnapshot() throws Exception {
        Path modelDir = cache.resolve("volume/pools/xl/model");
        Map<String, String> env = Map.of("LUMEN_MODEL_SOURCE", "hf:" + REPO, "LUMEN_MODEL_CACHE",
                cache.resolve("volume/.cache").toString(), "HF_ENDPOINT", hub.endpoint().toString(),
                "LUMEN_MODEL_DIR", modelDir.toString());
        Path folder = ModelPullMain.pull(env);
        assertThat(Files.isSymbolicLink(modelDir)).isTrue();
        assertThat(modelDir.toRealPath()).isEqualTo(folder.toRealPath());
        assertThat(ModelFolder.open(modelDir).transformer()).isDirectory();
        // Relative, so the link holds wherever the volume is mounted.
        assertThat(Files.readSymbolicLink(modelDir).isAbsolute()).isFalse();

        // A second run (a restarted pod) transfers nothing and leaves a valid link.
        hub.clearRequests();
        assertThat(ModelPullMain.pull(env)).isEqualTo(folder);
        assertThat(hub.requests()).noneMatch(r -> r.contains("/resolve/") || r.contains("/cdn/"));
        assertThat(modelDir.resolve("model_index.json")).exists();

        Path realFolder = cache.resolve("volume/real");
        Files.createDirectories(realFolder);
        Map<String, String> onFolder = new java.util.HashMap<>(env);
        onFolder.put("LUMEN_MODEL_DIR", realFolder.toString());
        assertThatThrownBy(() -> ModelPullMain.pull(onFolder)).hasMessageContaining("is a real folder");
    }

    private static long resumeOffset(List<String> requests, String sha) {
        return requests.stream().filter(r -> r.startsWith("GET /cdn/" + sha + " range=bytes=")).findFirst()
                .map(r -> Long.parseLong(r.substring(r.indexOf("bytes=") + 6, r.indexOf("- auth")))).orElseThrow();
    }

    /**
     * Splits a safetensors file into two shards and an index, as transformers' sharded layout
     * ({@code model-0000i-of-00002.safetensors}, {@code model.safetensors.index.json}).
     */
    static Map<String, byte[]> shard(byte[] file, String dir) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buf.getLong(0);
        JsonNode header = JSON.readTree(new String(file, 8, headerLength, StandardCharsets.UTF_8));
        int dataStart = 8 + headerLength;
        List<String> names = new ArrayList<>();
        header.propertyNames().forEach(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        Map<String, byte[]> out = new LinkedHashMap<>();
        ObjectNode weightMap = JSON.createObjectNode();
        int half = names.size() / 2;
        for (int s = 0; s < 2; s++) {
            List<String> part = s == 0 ? names.subList(0, half) : names.subList(half, names.size());
            String shardName = String.format("model-%05d-of-00002.safetensors", s + 1);
            ObjectNode h = JSON.createObjectNode();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (String name : part) {
                JsonNode info = header.get(name);
                int b = info.get("data_offsets").get(0).asInt();
                int e = info.get("data_offsets").get(1).asInt();
                ObjectNode copy = ((ObjectNode) info).deepCopy();
                copy.putArray("data_offsets").add(data.size()).add(data.size() + (e - b));
                data.write(file, dataStart + b, e - b);
                h.set(name, copy);
                weightMap.put(name, shardName);
            }
            byte[] json = JSON.writeValueAsBytes(h);
            int padded = (json.length + 7) / 8 * 8;
            ByteBuffer shard = ByteBuffer.allocate(8 + padded + data.size()).order(ByteOrder.LITTLE_ENDIAN);
            shard.putLong(padded).put(json);
            for (int i = json.length; i < padded; i++) {
                shard.put((byte) ' ');
            }
            shard.put(data.toByteArray());
            out.put(dir + shardName, shard.array());
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", file.length - dataStart);
        index.set("weight_map", weightMap);
        out.put(dir + "model.safetensors.index.json", JSON.writeValueAsBytes(index));
        return out;
    }

    private static final class RecordingListener implements FetchListener {
        long total = -1;
        final AtomicLong transferred = new AtomicLong();
        boolean finished;

        @Override
        public void start(int files, long bytes) {
            total = bytes;
        }

        @Override
        public void transferred(long bytes) {
            transferred.addAndGet(bytes);
        }

        @Override
        public void finish() {
            finished = true;
        }
    }
}
