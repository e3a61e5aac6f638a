package dev.lumen.worker.models;

import dev.lumen.storage.ObjectInfo;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.StorageException;
import dev.lumen.storage.minio.MinioObjectStore;
import dev.lumen.storage.minio.S3Config;
import dev.lumen.worker.models.HubClient.RemoteFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Turns a {@link ModelSource} into a local pipeline folder: a local folder as it is; a Hub
 * repository or an S3 prefix by fetching the files the pipeline needs ({@link PipelineFiles})
 * into the {@link ModelCache}, verified against the hashes the source publishes. What is in the
 * cache and complete is not fetched again; with the network away (or {@code offline}) a source
 * resolves from the cache alone.
 *
 * <p>Hub files are verified by SHA-256 (LFS files) or git blob SHA-1 (plain files); a file whose
 * hash differs is deleted and reported, never used. A broken transfer is resumed, up to
 * {@code maxAttempts} per file; a partial file outlives the process, so the next pull resumes it.
 * S3 objects are verified by size and, where the ETag is a plain MD5 (single-part uploads), by MD5.
 */
public final class ModelFetcher {
    private static final Logger log = LoggerFactory.getLogger(ModelFetcher.class);

    private final ModelSourceSettings settings;
    private final ModelCache cache;
    private final HubClient hub;

    public ModelFetcher(ModelSourceSettings settings) {
        this.settings = settings;
        this.cache = new ModelCache(settings.cacheDir());
        this.hub = new HubClient(settings);
    }

    public ModelSourceSettings settings() {
        return settings;
    }

    /**
     * The local pipeline folder of {@code source}, fetched into the cache when needed.
     *
     * @throws ModelDownloadException naming the source and file when it cannot be fetched or verified
     */
    public Path fetch(ModelSource source, FetchListener listener) {
        return switch (source) {
            case ModelSource.Local local -> {
                if (!Files.isDirectory(local.folder())) {
                    throw new ModelDownloadException("model folder " + local.folder().toAbsolutePath() + " does not exist");
                }
                yield local.folder();
            }
            case ModelSource.Hub h -> fetchHub(h, listener);
            case ModelSource.S3Prefix s3 -> fetchS3(s3, listener);
        };
    }

    // ------------------------------------------------------------------------------------ Hub

    private Path fetchHub(ModelSource.Hub source, FetchListener listener) {
        String repo = source.repoId();
        if (source.pinned() && ModelCache.complete(cache.snapshot(repo, source.revision()))) {
            return cache.snapshot(repo, source.revision());
        }
        if (settings.offline()) {
            return cachedHub(source).orElseThrow(() -> new ModelDownloadException(source + " is not in the model cache "
                    + cache.root() + " and HF_HUB_OFFLINE is set; pull it once with the network"));
        }
        HubClient.Revision revision;
        try {
            revision = hub.revision(repo, source.revision());
        } catch (IOException e) {
            Path cached = cachedHub(source).orElse(null);
            if (cached != null) {
                log.atWarn().addKeyValue("source", source).addKeyValue("snapshot", cached).addKeyValue("error", e.toString())
                        .log("the Hub is unreachable; using the cached snapshot");
                return cached;
            }
            throw new ModelDownloadException("cannot reach " + settings.hubEndpoint() + " for " + source
                    + " and the model cache " + cache.root() + " has no snapshot of it: " + e, e);
        }
        String commit = revision.commit();
        Path snapshot = cache.snapshot(repo, commit);
        if (!ModelCache.complete(snapshot)) {
            Map<String, RemoteFile> files = revision.files();
            Function<String, byte[]> read = path -> {
                try {
                    return Files.readAllBytes(blob(source, commit, files.get(path), FetchListener.NONE));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            List<String> chosen = PipelineFiles.select(files.keySet(), read, source.toString());
            List<RemoteFile> remote = new ArrayList<>();
            for (String path : chosen) {
                remote.add(withHash(source, commit, files.get(path)));
            }
            List<RemoteFile> missing = remote.stream().filter(f -> !Files.isRegularFile(cache.blob(repo, f.blobName()))).toList();
            listener.start(missing.size(), missing.stream().mapToLong(f -> Math.max(0, f.size())).sum());
            List<Map<String, Object>> manifest = new ArrayList<>();
            try {
                for (RemoteFile f : remote) {
                    Path blob = blob(source, commit, f, listener);
                    ModelCache.link(snapshot.resolve(f.path()), blob);
                    if (missing.contains(f)) {
                        listener.fileDone(f.path());
                    }
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("path", f.path());
                    entry.put("size", Files.size(blob));
                    entry.put(f.sha256() != null ? "sha256" : "gitSha1", f.blobName());
                    manifest.add(entry);
                }
            } catch (IOException e) {
                throw new ModelDownloadException("cannot lay out " + snapshot + ": " + e, e);
            }
            ModelCache.writeManifest(snapshot, source.toString(), commit, manifest);
            listener.finish();
            log.atInfo().addKeyValue("source", source).addKeyValue("commit", commit).addKeyValue("files", remote.size())
                    .addKeyValue("fetched", missing.size()).addKeyValue("snapshot", snapshot).log("model pulled");
        }
        writeRef(repo, source.revision(), commit);
        return snapshot;
    }

    /** A file whose listing had no hash gets one from a HEAD of its resolve URL (the ETag conventions). */
    private RemoteFile withHash(ModelSource.Hub source, String commit, RemoteFile f) {
        if (f.blobName() != null && f.size() >= 0) {
            return f;
        }
        try {
            RemoteFile headed = hub.head(source.repoId(), commit, f.path());
            return new RemoteFile(f.path(), headed.size(), headed.sha256(), headed.gitSha1());
        } catch (IOException e) {
            throw new ModelDownloadException(source + " file " + f.path() + ": cannot read its hash from the Hub: " + e, e);
        }
    }

    /** The verified blob of {@code f}, downloading (or resuming) it when the cache lacks it. */
    private Path blob(ModelSource.Hub source, String commit, RemoteFile listed, FetchListener listener) {
        RemoteFile f = withHash(source, commit, listed);
        Path blob = cache.blob(source.repoId(), f.blobName());
        if (Files.isRegularFile(blob)) {
            return blob;
        }
        Path partial = blob.resolveSibling(f.blobName() + ".incomplete");
        IOException last = null;
        boolean freshRetryDone = false;
        try {
            Files.createDirectories(blob.getParent());
            for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
                boolean resumed = Files.exists(partial) && Files.size(partial) > 0;
                try {
                    if (resumed) {
                        log.atInfo().addKeyValue("source", source).addKeyValue("file", f.path())
                                .addKeyValue("have", Files.size(partial)).addKeyValue("size", f.size())
                                .log("resuming a partial download");
                    }
                    hub.download(source.repoId(), commit, f, partial, listener);
                } catch (HubClient.HubRefusedException e) {
                    throw e;
                } catch (IOException e) {
                    last = e;
                    log.atWarn().addKeyValue("source", source).addKeyValue("file", f.path()).addKeyValue("attempt", attempt)
                            .addKeyValue("error", e.toString()).log("transfer broke off; it will resume");
                    pause(attempt);
                    continue;
                }
                long size = Files.size(partial);
                if (f.size() >= 0 && size < f.size()) {
                    last = new IOException("the server sent " + size + " of " + f.size() + " bytes of " + f.path());
                    pause(attempt);
                    continue;
                }
                String actual = f.sha256() != null ? sha256(partial) : gitSha1(partial);
                if (!actual.equals(f.blobName()) || (f.size() >= 0 && size != f.size())) {
                    Files.deleteIfExists(partial);
                    String what = source + " file " + f.path() + ": " + (f.sha256() != null ? "SHA-256" : "git blob SHA-1")
                            + " " + actual + " (" + size + " bytes) does not match the Hub's " + f.blobName() + " ("
                            + f.size() + " bytes)";
                    if (resumed && !freshRetryDone) {
                        // The bytes kept from an earlier attempt may be what is wrong: one more try from scratch.
                        log.atWarn().addKeyValue("error", what).log("resumed file is corrupt; downloading it again from the start");
                        freshRetryDone = true;
                        continue;
                    }
                    throw new ModelDownloadException(what + "; the file is corrupt (in transit or on the server) and was"
                            + " deleted, not used");
                }
                Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return blob;
            }
        } catch (IOException e) {
            throw new ModelDownloadException(source + " file " + f.path() + ": cannot write " + partial + ": " + e, e);
        }
        throw new ModelDownloadException(source + " file " + f.path() + ": transfer failed " + settings.maxAttempts()
                + " times, last: " + last + "; what arrived is kept in " + partial + " and the next pull resumes it", last);
    }

    private java.util.Optional<Path> cachedHub(ModelSource.Hub source) {
        String repo = source.repoId();
        String commit = source.pinned() ? source.revision() : readRef(repo, source.revision());
        if (commit == null) {
            return java.util.Optional.empty();
        }
        Path snapshot = cache.snapshot(repo, commit);
        return ModelCache.complete(snapshot) ? java.util.Optional.of(snapshot) : java.util.Optional.empty();
    }

    private String readRef(String repo, String revision) {
        Path ref = cache.ref(repo, revision);
        try {
            return Files.isRegularFile(ref) ? Files.readString(ref).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void writeRef(String repo, String revision, String commit) {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = cache.ref(repo, revision);
        try {
            Files.createDirectories(ref.getParent());
            Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp");
            Files.writeString(tmp, commit);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ModelDownloadException("cannot write " + ref + ": " + e, e);
        }
    }

    private void pause(int attempt) {
        long millis = settings.retryBackoff().toMillis() << Math.min(attempt - 1, 5);
        if (millis <= 0 || attempt >= settings.maxAttempts()) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelDownloadException("interrupted while waiting to resume a transfer", e);
        }
    }

    // ------------------------------------------------------------------------------------- S3

    private Path fetchS3(ModelSource.S3Prefix source, FetchListener listener) {
        Path folder = cache.s3Prefix(source.bucket(), source.prefix());
        if (settings.offline()) {
            if (ModelCache.complete(folder)) {
                return folder;
            }
            throw new ModelDownloadException(source + " is not in the model cache " + cache.root()
                    + " and HF_HUB_OFFLINE is set; fetch it once with the network");
        }
        if (settings.s3Endpoint() == null || settings.s3AccessKey() == null || settings.s3SecretKey() == null) {
            throw new ModelDownloadException(source + ": no S3 endpoint and credentials; set LUMEN_MODEL_S3_ENDPOINT,"
                    + " LUMEN_MODEL_S3_ACCESS_KEY and LUMEN_MODEL_S3_SECRET_KEY (or the LUMEN_S3_* ones)");
        }
        ObjectStore store = MinioObjectStore.create(new S3Config(settings.s3Endpoint(),
                settings.s3Region() == null ? S3Config.DEFAULT_REGION : settings.s3Region(), settings.s3AccessKey(),
                settings.s3SecretKey(), source.bucket(), S3Config.DEFAULT_CONNECT_TIMEOUT, S3Config.DEFAULT_IO_TIMEOUT));
        List<String> keys;
        try {
            keys = store.list(source.prefix());
        } catch (StorageException e) {
            if (e.retryable() && ModelCache.complete(folder)) {
                log.atWarn().addKeyValue("source", source).addKeyValue("folder", folder).addKeyValue("error", e.getMessage())
                        .log("the object store is unreachable; using the cached copy");
                return folder;
            }
            throw new ModelDownloadException("cannot list " + source + ": " + e.getMessage(), e);
        }
        List<String> relative = keys.stream().map(k -> k.substring(source.prefix().length()))
                .filter(k -> !k.isEmpty() && !k.endsWith("/")).toList();
        List<String> chosen = PipelineFiles.select(relative, path -> store.get(source.prefix() + path), source.toString());
        Map<String, JsonNode> known = ModelCache.manifestFiles(folder);
        Map<String, ObjectInfo> infos = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String path : chosen) {
            ObjectInfo info = store.stat(source.prefix() + path).orElseThrow(() -> new ModelDownloadException(
                    source + ": " + path + " vanished while fetching"));
            infos.put(path, info);
            JsonNode cached = known.get(path);
            boolean fresh = cached != null && Files.isRegularFile(folder.resolve(path))
                    && cached.get("size").asLong() == info.size() && String.valueOf(info.etag()).equals(cached.get("etag").asString());
            if (!fresh) {
                missing.add(path);
            }
        }
        listener.start(missing.size(), missing.stream().mapToLong(p -> infos.get(p).size()).sum());
        try {
            Files.deleteIfExists(folder.resolve(ModelCache.MANIFEST));
            for (String path : missing) {
                ObjectInfo info = infos.get(path);
                Path target = folder.resolve(path);
                Files.createDirectories(target.getParent());
                Path partial = target.resolveSibling(target.getFileName() + ".incomplete");
                store.download(source.prefix() + path, partial);
                verifyS3(source, path, info, partial);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                listener.transferred(info.size());
                listener.fileDone(path);
            }
        } catch (IOException e) {
            throw new ModelDownloadException("cannot write into " + folder + ": " + e, e);
        } catch (StorageException e) {
            throw new ModelDownloadException("cannot fetch " + source + ": " + e.getMessage(), e);
        }
        List<Map<String, Object>> manifest = new ArrayList<>();
        infos.forEach((path, info) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("path", path);
            entry.put("size", info.size());
            entry.put("etag", String.valueOf(info.etag()));
            manifest.add(entry);
        });
        ModelCache.writeManifest(folder, source.toString(), "s3", manifest);
        listener.finish();
        log.atInfo().addKeyValue("source", source).addKeyValue("files", chosen.size()).addKeyValue("fetched", missing.size())
                .addKeyValue("folder", folder).log("model fetched");
        return folder;
    }

    private static void verifyS3(ModelSource.S3Prefix source, String path, ObjectInfo info, Path file) throws IOException {
        long size = Files.size(file);
        String etag = info.etag() == null ? "" : info.etag().replace("\"", "").toLowerCase(java.util.Locale.ROOT);
        String problem = null;
        if (size != info.size()) {
            problem = size + " bytes arrived, the store holds " + info.size();
        } else if (etag.matches("[0-9a-f]{32}")) {
            String md5 = digest(file, "MD5", null);
            if (!md5.equals(etag)) {
                problem = "MD5 " + md5 + " does not match the ETag " + etag;
            }
        }
        if (problem != null) {
            Files.deleteIfExists(file);
            throw new ModelDownloadException(source + " file " + path + ": " + problem + "; the file was deleted, not used");
        }
    }

    // --------------------------------------------------------------------------------- hashes

    static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256", null);
    }

    /** Git's blob id: SHA-1 of {@code "blob <size>\0"} followed by the content. */
    static String gitSha1(Path file) throws IOException {
        return digest(file, "SHA-1", ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static String digest(Path file, String algorithm, byte[] prefix) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
        if (prefix != null) {
            md.update(prefix);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
