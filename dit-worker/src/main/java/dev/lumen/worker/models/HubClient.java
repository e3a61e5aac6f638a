package dev.lumen.worker.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The few Hugging Face Hub endpoints a pull needs, over the JDK's HTTP client:
 * <ul>
 *   <li>{@code GET /api/models/<repo>/revision/<revision>?blobs=true}: the commit a revision
 *       points at ({@code sha}) and every file ({@code siblings}) with its size, its git blob id
 *       ({@code blobId}: SHA-1 of {@code "blob <size>\0" + content}) and, for files stored in LFS,
 *       {@code lfs.sha256} and {@code lfs.size};</li>
 *   <li>{@code GET|HEAD /<repo>/resolve/<commit>/<path>}: the file. LFS files redirect to a
 *       content server. The response's {@code X-Linked-Etag} (LFS: the content's SHA-256) or
 *       {@code ETag} (plain files: the git blob id) and {@code X-Linked-Size} name the content
 *       when the listing lacks them.</li>
 * </ul>
 * Downloads resume: a partial file is continued with {@code Range: bytes=<have>-}, and a server
 * that answers 200 instead of 206 is followed from the start. Redirects are followed by hand so
 * the token goes only to the Hub's own host, never to the content server it redirects to.
 */
final class HubClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_REDIRECTS = 5;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final String USER_AGENT = "lumen/0.1 (+model pull)";

    /** One file of a revision. {@code sha256} is set for LFS files, {@code gitSha1} for plain ones (when known). */
    record RemoteFile(String path, long size, String sha256, String gitSha1) {
        /** The name of its blob in the cache: the hash it is verified against. */
        String blobName() {
            return sha256 != null ? sha256 : gitSha1;
        }
    }

    /** A revision resolved to its commit, with its files by path. */
    record Revision(String commit, Map<String, RemoteFile> files) {
    }

    /** The Hub refused or does not have something; retrying will not help. */
    static final class HubRefusedException extends ModelDownloadException {
        HubRefusedException(String message) {
            super(message);
        }
    }

    private final ModelSourceSettings settings;
    private final HttpClient http;

    HubClient(ModelSourceSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Resolves {@code revision} of {@code repoId}; IOException when the Hub cannot be reached. */
    Revision revision(String repoId, String revision) throws IOException {
        URI uri = URI.create(base() + "/api/models/" + repoId + "/revision/" + encode(revision) + "?blobs=true");
        HttpResponse<byte[]> response = send(request(uri).GET().timeout(Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofByteArray());
        refuse(response.statusCode(), "hf:" + repoId + "@" + revision, uri);
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + uri);
        }
        JsonNode root;
        try {
            root = JSON.readTree(response.body());
        } catch (JacksonException e) {
            throw new ModelDownloadException(uri + " did not answer JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode sha = root == null ? null : root.get("sha");
        JsonNode siblings = root == null ? null : root.get("siblings");
        if (sha == null || !sha.isString() || !sha.asString().matches("[0-9a-f]{40}") || siblings == null || !siblings.isArray()) {
            throw new ModelDownloadException(uri + " answered without a commit id (sha) or a file list (siblings)");
        }
        Map<String, RemoteFile> files = new LinkedHashMap<>();
        for (JsonNode s : siblings) {
            String path = text(s, "rfilename");
            if (path == null || path.startsWith("/") || Arrays.asList(path.split("/")).contains("..")) {
                throw new ModelDownloadException(uri + " lists an invalid file name: " + s);
            }
            JsonNode lfs = s.get("lfs");
            String sha256 = lfs != null && lfs.isObject() ? hex(text(lfs, "sha256"), 64) : null;
            long size = lfs != null && lfs.has("size") ? lfs.get("size").asLong()
                    : s.has("size") ? s.get("size").asLong() : -1;
            files.put(path, new RemoteFile(path, size, sha256, sha256 == null ? hex(text(s, "blobId"), 40) : null));
        }
        return new Revision(sha.asString(), files);
    }

    /** The size and hash of a file from the headers of a HEAD on its resolve URL (for listings without blob data). */
    RemoteFile head(String repoId, String commit, String path) throws IOException {
        URI uri = resolveUri(repoId, commit, path);
        // No redirect: the Hub's own answer carries the X-Linked-* headers of LFS files.
        HttpResponse<Void> response = send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30)), HttpResponse.BodyHandlers.discarding());
        refuse(response.statusCode(), "hf:" + repoId + " file " + path, uri);
        HttpHeaders h = response.headers();
        String linked = h.firstValue("X-Linked-Etag").map(HubClient::unquote).orElse(null);
        String etag = h.firstValue("ETag").map(HubClient::unquote).orElse(null);
        long size = h.firstValueAsLong("X-Linked-Size").orElse(h.firstValueAsLong("Content-Length").orElse(-1));
        String sha256 = hex(linked, 64);
        String sha1 = sha256 == null ? hex(etag, 40) : null;
        if (sha256 == null && sha1 == null) {
            throw new ModelDownloadException("hf:" + repoId + " file " + path + ": the Hub gave no hash to verify it by"
                    + " (ETag " + etag + ", X-Linked-Etag " + linked + ")");
        }
        return new RemoteFile(path, size, sha256, sha1);
    }

    /**
     * Appends the rest of {@code file} to {@code partial} (creating it), reporting bytes to
     * {@code listener}. Returns normally once the server's body ended; the caller checks size and
     * hash. An IOException (connection lost mid-body, 5xx, 429) leaves what arrived in
     * {@code partial} for the next attempt.
     */
    void download(String repoId, String commit, RemoteFile file, Path partial, FetchListener listener) throws IOException {
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        if (file.size() >= 0 && have > file.size()) {
            Files.delete(partial);
            have = 0;
        }
        URI uri = resolveUri(repoId, commit, file.path());
        HttpResponse<InputStream> response = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder req = sameHost(uri) ? request(uri) : HttpRequest.newBuilder(uri).header("User-Agent", USER_AGENT);
            if (have > 0) {
                req.header("Range", "bytes=" + have + "-");
            }
            response = send(req.GET().timeout(Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            if (status / 100 == 3 && status != 304) {
                URI from = uri;
                String location = response.headers().firstValue("Location").orElseThrow(
                        () -> new IOException("redirect without Location from " + from));
                response.body().close();
                uri = uri.resolve(location);
                continue;
            }
            break;
        }
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (status == 416) {
                // Our partial file does not fit the content (it changed, or was longer): start over.
                Files.deleteIfExists(partial);
                throw new IOException("range " + have + "- not satisfiable for " + file.path() + "; restarting it");
            }
            refuse(status, "hf:" + repoId + " file " + file.path(), uri);
            boolean append;
            if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new IOException("unexpected Content-Range '" + response.headers().firstValue("Content-Range")
                            .orElse("") + "' for a resume at byte " + have + " of " + file.path());
                }
                append = true;
            } else if (status == 200) {
                append = false; // the server ignored the range: the whole file comes again
            } else {
                throw new IOException("HTTP " + status + " for " + file.path() + " from " + uri);
            }
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    listener.transferred(n);
                }
            }
        }
    }

    /** Statuses retrying cannot fix become a {@link HubRefusedException} that says what to do. */
    private void refuse(int status, String what, URI uri) {
        switch (status) {
            case 401, 403 -> throw new HubRefusedException(what + ": the Hub refused access (HTTP " + status + " from "
                    + uri.getHost() + "); the repository is private or gated: " + (settings.token() == null
                    ? "set HF_TOKEN or pass --token" : "the token given has no access to it (accept its terms on the Hub?)"));
            case 404 -> throw new HubRefusedException(what + ": not found (HTTP 404 from " + uri + "); check the repository"
                    + " id and revision");
            default -> {
            }
        }
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", USER_AGENT);
        if (settings.token() != null) {
            b.header("Authorization", "Bearer " + settings.token());
        }
        return b;
    }

    private boolean sameHost(URI uri) {
        URI hub = settings.hubEndpoint();
        return uri.getHost() != null && uri.getHost().equalsIgnoreCase(hub.getHost()) && uri.getPort() == hub.getPort()
                && uri.getScheme().equals(hub.getScheme());
    }

    URI resolveUri(String repoId, String commit, String path) {
        String encoded = Arrays.stream(path.split("/")).map(HubClient::encode).collect(Collectors.joining("/"));
        return URI.create(base() + "/" + repoId + "/resolve/" + commit + "/" + encoded);
    }

    private String base() {
        String s = settings.hubEndpoint().toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }

    private static String hex(String value, int length) {
        if (value == null) {
            return null;
        }
        String v = value.toLowerCase(Locale.ROOT);
        return v.length() == length && v.chars().allMatch(c -> Character.digit(c, 16) >= 0) ? v : null;
    }

    private static String unquote(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }
}
