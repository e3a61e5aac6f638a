package dev.lumen.worker.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The on-disk model cache. Layout under the cache folder:
 * <pre>
 * hf/&lt;owner&gt;--&lt;repo&gt;/
 *   blobs/&lt;sha256 | git-sha1&gt;            file contents, named by the hash the Hub gives for them, verified
 *   blobs/&lt;hash&gt;.incomplete              a transfer in progress; the next attempt resumes it (HTTP Range)
 *   snapshots/&lt;commit&gt;/&lt;path&gt;          the pipeline folder of one commit: symbolic links to blobs
 *   snapshots/&lt;commit&gt;/.lumen-snapshot.json  written last; its presence means the snapshot is complete
 *   refs/&lt;revision&gt;                      the commit a branch or tag resolved to when last pulled
 * s3/&lt;bucket&gt;/&lt;prefix&gt;/                 the chosen objects under their keys, and .lumen-snapshot.json
 *                                        (each file's size and ETag), written last
 * </pre>
 * Blobs are shared by the snapshots of every commit that has the same file, so moving to a new
 * revision downloads only what changed. A second pull of a complete snapshot transfers nothing;
 * an offline start finds the commit through {@code refs/} and uses the snapshot as it is.
 */
public final class ModelCache {
    public static final String MANIFEST = ".lumen-snapshot.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path root;

    public ModelCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The folder of a Hub repository: {@code hf/owner--repo}. */
    public Path hubRepo(String repoId) {
        return root.resolve("hf").resolve(repoId.replace("/", "--"));
    }

    public Path blob(String repoId, String hash) {
        return hubRepo(repoId).resolve("blobs").resolve(hash);
    }

    public Path snapshot(String repoId, String commit) {
        return hubRepo(repoId).resolve("snapshots").resolve(commit);
    }

    /** The file remembering a revision's commit; revisions with '/' are URL-encoded into one name. */
    public Path ref(String repoId, String revision) {
        return hubRepo(repoId).resolve("refs").resolve(URLEncoder.encode(revision, StandardCharsets.UTF_8));
    }

    public Path s3Prefix(String bucket, String prefix) {
        Path dir = root.resolve("s3").resolve(bucket);
        for (String part : prefix.split("/")) {
            if (!part.isEmpty()) {
                dir = dir.resolve(part);
            }
        }
        return dir;
    }

    /** Whether {@code folder} holds a complete snapshot (its manifest was written). */
    public static boolean complete(Path folder) {
        return Files.isRegularFile(folder.resolve(MANIFEST));
    }

    /** The manifest's files: path → {"size", "hash"}; empty when there is no manifest. */
    public static Map<String, JsonNode> manifestFiles(Path folder) {
        Path file = folder.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            JsonNode files = JSON.readTree(Files.readAllBytes(file)).get("files");
            Map<String, JsonNode> byPath = new java.util.TreeMap<>();
            if (files != null) {
                for (JsonNode f : files) {
                    byPath.put(f.get("path").asString(), f);
                }
            }
            return byPath;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            // A damaged manifest means an incomplete snapshot: fetch again.
            return Map.of();
        }
    }

    /** Writes the manifest last, atomically (temp file + move): the folder is complete from then on. */
    static void writeManifest(Path folder, String source, String version, List<Map<String, Object>> files) {
        Map<String, Object> manifest = new java.util.LinkedHashMap<>();
        manifest.put("source", source);
        manifest.put("version", version);
        manifest.put("files", files);
        try {
            Path tmp = folder.resolve(MANIFEST + ".tmp");
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            Files.move(tmp, folder.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the manifest in " + folder, e);
        }
    }

    /**
     * Makes {@code link} name {@code target}: a relative symbolic link where the file system has
     * them, else a hard link, else a copy.
     */
    static void link(Path link, Path target) throws IOException {
        Files.createDirectories(link.getParent());
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, link.getParent().relativize(target));
        } catch (UnsupportedOperationException | FileSystemException e) {
            try {
                Files.createLink(link, target);
            } catch (UnsupportedOperationException | FileSystemException e2) {
                Files.copy(target, link, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
