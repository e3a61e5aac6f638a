package dev.lumen.worker.models;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local stand-in for the Hugging Face Hub, serving one repository under the Hub's URL layout:
 * {@code /api/models/<repo>/revision/<rev>?blobs=true} (commit and files with size, blobId and
 * lfs.sha256), {@code /<repo>/resolve/<rev>/<path>} (plain files with their git blob id as ETag;
 * LFS files as a 302 to {@code /cdn/<sha256>} with X-Linked-Etag and X-Linked-Size, like the Hub's
 * redirect to its content servers) and the content server itself, with HTTP Range. Faults for
 * tests: cut a file's transfer after some bytes (once), serve a file with a flipped byte, require
 * a token, or list files without blob data.
 */
final class FakeHub implements AutoCloseable {
    static final Set<String> LFS_SUFFIXES = Set.of(".safetensors", ".bin", ".model");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern API = Pattern.compile("/api/models/(.+)/revision/([^/?]+)");
    private static final Pattern RESOLVE = Pattern.compile("/(.+?/.+?)/resolve/([^/]+)/(.+)");

    private final HttpServer server;
    private final java.net.ServerSocket cdn;
    private final String repoId;
    private final String commit;
    private final Map<String, byte[]> files = new TreeMap<>();
    private final Map<String, Integer> cutOnce = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    volatile String requiredToken;
    volatile boolean listBlobs = true;

    FakeHub(String repoId, String commit, Map<String, byte[]> content) throws IOException {
        this.repoId = repoId;
        this.commit = commit;
        this.files.putAll(content);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        // The content server LFS files redirect to: its own port (another "host", so the token must
        // not follow), and plain sockets, so a cut transfer really drops the connection mid-body.
        this.cdn = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("fake-hub-cdn").start(this::acceptCdn);
    }

    /** Every file under {@code folder}, keyed by its '/'-separated relative path. */
    static Map<String, byte[]> read(Path folder) throws IOException {
        Map<String, byte[]> content = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                content.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return content;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The next transfer of {@code path} stops after {@code bytes} bytes (counted from where it starts). */
    void cutOnce(String path, int bytes) {
        cutOnce.put(path, bytes);
    }

    void corrupt(String path) {
        corrupt.add(path);
    }

    /** Requests seen: "METHOD path range=<Range header or ->" auth=<yes|no>". */
    List<String> requests() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    void clearRequests() {
        log.clear();
    }

    static boolean lfs(String path) {
        return LFS_SUFFIXES.stream().anyMatch(path::endsWith);
    }

    static String sha256(byte[] bytes) {
        return digest("SHA-256", new byte[0], bytes);
    }

    static String gitSha1(byte[] bytes) {
        return digest("SHA-1", ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII), bytes);
    }

    private static String digest(String algorithm, byte[] prefix, byte[] bytes) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(prefix);
            return HexFormat.of().formatHex(md.digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            log.add(exchange.getRequestMethod() + " " + URLDecoder.decode(path, StandardCharsets.UTF_8) + " range="
                    + (exchange.getRequestHeaders().getFirst("Range") == null ? "-" : exchange.getRequestHeaders().getFirst("Range"))
                    + " auth=" + (auth == null ? "no" : "yes"));
            if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
                send(exchange, 401, "{\"error\":\"Invalid credentials\"}");
                return;
            }
            Matcher api = API.matcher(path);
            if (api.matches()) {
                if (!api.group(1).equals(repoId) || !(api.group(2).equals("main") || api.group(2).equals(commit))) {
                    send(exchange, 404, "{\"error\":\"Repository not found\"}");
                    return;
                }
                sendJson(exchange, listing());
                return;
            }
            Matcher resolve = RESOLVE.matcher(path);
            if (resolve.matches()) {
                String file = URLDecoder.decode(resolve.group(3), StandardCharsets.UTF_8);
                if (!resolve.group(1).equals(repoId) || !files.containsKey(file)
                        || !(resolve.group(2).equals("main") || resolve.group(2).equals(commit))) {
                    send(exchange, 404, "Entry not found");
                    return;
                }
                exchange.getResponseHeaders().set("X-Repo-Commit", commit);
                if (lfs(file)) {
                    byte[] bytes = files.get(file);
                    exchange.getResponseHeaders().set("X-Linked-Etag", "\"" + sha256(bytes) + "\"");
                    exchange.getResponseHeaders().set("X-Linked-Size", Integer.toString(bytes.length));
                    exchange.getResponseHeaders().set("ETag", "\"" + sha256(bytes) + "\"");
                    exchange.getResponseHeaders().set("Location", "http://127.0.0.1:" + cdn.getLocalPort() + "/cdn/" + sha256(bytes));
                    exchange.sendResponseHeaders(302, -1);
                    return;
                }
                exchange.getResponseHeaders().set("ETag", "\"" + gitSha1(files.get(file)) + "\"");
                serve(exchange, file);
                return;
            }
            send(exchange, 404, "not found");
        } catch (RuntimeException e) {
            throw new IOException(e);
        }
    }

    private Map<String, Object> listing() {
        List<Map<String, Object>> siblings = new ArrayList<>();
        files.forEach((path, bytes) -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rfilename", path);
            if (listBlobs) {
                s.put("size", bytes.length);
                s.put("blobId", gitSha1(bytes));
                if (lfs(path)) {
                    s.put("lfs", Map.of("sha256", sha256(bytes), "size", bytes.length, "pointerSize", 134));
                }
            }
            siblings.add(s);
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", repoId);
        body.put("sha", commit);
        body.put("siblings", siblings);
        return body;
    }

    /** Plain files, from the Hub itself (whole or from a Range start). */
    private void serve(HttpExchange exchange, String file) throws IOException {
        byte[] bytes = content(file);
        String range = exchange.getRequestHeaders().getFirst("Range");
        int start = range == null ? 0 : rangeStart(range);
        if (start >= bytes.length) {
            exchange.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
            exchange.sendResponseHeaders(416, -1);
            return;
        }
        if (range != null) {
            exchange.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(range != null ? 206 : 200, head ? -1 : bytes.length - start);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes, start, bytes.length - start);
            }
        }
    }

    private byte[] content(String file) {
        byte[] bytes = files.get(file).clone();
        if (corrupt.contains(file)) {
            bytes[bytes.length / 2] ^= 0x5a;
        }
        return bytes;
    }

    private static int rangeStart(String range) {
        Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
        if (!m.matches()) {
            throw new IllegalArgumentException("unsupported Range " + range);
        }
        return Integer.parseInt(m.group(1));
    }

    private void acceptCdn() {
        while (!cdn.isClosed()) {
            try {
                java.net.Socket socket = cdn.accept();
                Thread.ofVirtual().start(() -> serveCdn(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** One request per connection (Connection: close), HTTP/1.1, GET with an optional Range. */
    private void serveCdn(java.net.Socket socket) {
        try (socket) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String requestLine = in.readLine();
            if (requestLine == null) {
                return;
            }
            Map<String, String> headers = new java.util.HashMap<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).strip());
            }
            String path = requestLine.split(" ")[1];
            String range = headers.get("range");
            log.add(requestLine.split(" ")[0] + " " + path + " range=" + (range == null ? "-" : range) + " auth="
                    + (headers.containsKey("authorization") ? "yes" : "no"));
            OutputStream out = socket.getOutputStream();
            String sha = path.substring("/cdn/".length());
            String file = files.keySet().stream().filter(f -> lfs(f) && sha256(files.get(f)).equals(sha)).findFirst().orElse(null);
            if (file == null) {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            byte[] bytes = content(file);
            int start = range == null ? 0 : rangeStart(range);
            if (start >= bytes.length) {
                out.write(("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" + bytes.length
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            int length = bytes.length - start;
            String head = (range == null ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes "
                    + start + "-" + (bytes.length - 1) + "/" + bytes.length + "\r\n")
                    + "Content-Length: " + length + "\r\nAccept-Ranges: bytes\r\nETag: \"" + sha + "\"\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            Integer cut = cutOnce.remove(file);
            // A cut transfer: part of the announced body, then the connection drops.
            out.write(bytes, start, cut != null && cut < length ? cut : length);
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void sendJson(HttpExchange exchange, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        try {
            cdn.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
