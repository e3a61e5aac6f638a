package dev.lumen.engine.vulkan;

import static org.lwjgl.system.MemoryUtil.NULL;
import static org.lwjgl.system.MemoryUtil.memAddress;
import static org.lwjgl.system.MemoryUtil.memAlloc;
import static org.lwjgl.system.MemoryUtil.memByteBuffer;
import static org.lwjgl.system.MemoryUtil.memUTF8;
import static org.lwjgl.system.MemoryUtil.nmemFree;
import static org.lwjgl.util.shaderc.Shaderc.*;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.lwjgl.Version;
import org.lwjgl.util.shaderc.ShadercIncludeResolve;
import org.lwjgl.util.shaderc.ShadercIncludeResult;
import org.lwjgl.util.shaderc.ShadercIncludeResultRelease;

/**
 * Compiles GLSL compute shaders from the classpath ({@code glsl/<name>.comp}) to SPIR-V with shaderc,
 * for Vulkan 1.2 / SPIR-V 1.5 with performance optimisation. {@code #include "x.glsl"} resolves
 * relative to the including file and {@code #include <x.glsl>} relative to {@code glsl/}. Results are
 * cached on disk under a key hashed from the preprocessed source (so included files and macro
 * definitions count) and every compiler option, including the LWJGL (hence shaderc) version; a cache
 * that cannot be read or written only costs a recompilation. The cache directory is the system
 * property {@value #CACHE_PROPERTY} ({@code off} disables the cache), else
 * {@code $XDG_CACHE_HOME/lumen/spirv}, else {@code ~/.cache/lumen/spirv}. Compilation is serialised
 * on the instance, so one compiler may be shared between threads; close it to release shaderc.
 */
public final class ShaderCompiler implements AutoCloseable {
    /** System property naming the SPIR-V cache directory, or {@code off}. */
    public static final String CACHE_PROPERTY = "lumen.shader.cache";
    /** Classpath folder holding the GLSL sources. */
    public static final String SOURCE_ROOT = "glsl/";

    private static final System.Logger LOG = System.getLogger(ShaderCompiler.class.getName());
    private static final String ENTRY_POINT = "main";
    // Part of the cache key: change it whenever the options set in newOptions() change.
    private static final String OPTIONS_FINGERPRINT = "glsl;compute;vulkan1.2;spirv1.5;opt=performance;lwjgl="
            + Version.getVersion();

    private final long compiler;
    private final Path cacheDirectory;
    private final ShadercIncludeResolve includeResolver;
    private final ShadercIncludeResultRelease includeReleaser;
    private boolean closed;

    /** A compiler using the default cache directory (see the class comment). */
    public ShaderCompiler() {
        this(defaultCacheDirectory().orElse(null));
    }

    /** A compiler caching in {@code cacheDirectory}, or not caching when it is {@code null}. */
    public ShaderCompiler(Path cacheDirectory) {
        this.cacheDirectory = cacheDirectory;
        this.compiler = shaderc_compiler_initialize();
        if (compiler == NULL) {
            throw new IllegalStateException("shaderc_compiler_initialize failed");
        }
        ShadercIncludeResolve resolver = null;
        try {
            resolver = ShadercIncludeResolve.create(ShaderCompiler::resolveInclude);
            this.includeReleaser = ShadercIncludeResultRelease.create(ShaderCompiler::releaseInclude);
        } catch (RuntimeException | Error e) {
            if (resolver != null) {
                resolver.free();
            }
            shaderc_compiler_release(compiler);
            throw e;
        }
        this.includeResolver = resolver;
    }

    /** The cache directory from {@value #CACHE_PROPERTY}, {@code XDG_CACHE_HOME} or the home directory; empty if disabled. */
    public static Optional<Path> defaultCacheDirectory() {
        String property = System.getProperty(CACHE_PROPERTY);
        if (property != null && !property.isBlank()) {
            return property.strip().equalsIgnoreCase("off") ? Optional.empty() : Optional.of(Path.of(property.strip()));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        // The XDG spec says relative values are invalid and must be ignored.
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Optional.of(Path.of(xdg, "lumen", "spirv"));
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? Optional.empty() : Optional.of(Path.of(home, ".cache", "lumen", "spirv"));
    }

    public Optional<Path> cacheDirectory() {
        return Optional.ofNullable(cacheDirectory);
    }

    /** Compiles {@code glsl/<name>.comp}. */
    public SpirvCode compile(String name) {
        return compile(name, Map.of());
    }

    /** Compiles {@code glsl/<name>.comp} with preprocessor macros (a {@code null} or empty value defines the name only). */
    public SpirvCode compile(String name, Map<String, String> defines) {
        String path = SOURCE_ROOT + name + ".comp";
        String source = readResource(path);
        if (source == null) {
            throw new ShaderCompilationException(name, "Shader '" + name + "': " + path + " not found on the classpath");
        }
        return compileSource(name, path, source, defines);
    }

    /**
     * Compiles GLSL compute source that is not a classpath file, such as generated code.
     *
     * @param name       the shader name used in messages and cache file names
     * @param sourcePath the file name shaderc reports in diagnostics; relative includes resolve against its folder
     */
    public synchronized SpirvCode compileSource(String name, String sourcePath, String source, Map<String, String> defines) {
        if (closed) {
            throw new IllegalStateException("ShaderCompiler is closed");
        }
        Map<String, String> sortedDefines = new TreeMap<>(defines);
        long options = newOptions(sortedDefines);
        try {
            String preprocessed = preprocess(name, options, source, sourcePath);
            String key = cacheKey(preprocessed, sortedDefines);
            Path cacheFile = cacheDirectory == null ? null : cacheDirectory.resolve(fileSafe(name) + "-" + key + ".spv");
            byte[] cached = readCache(cacheFile);
            if (cached != null) {
                LOG.log(Level.DEBUG, () -> "Shader '" + name + "' loaded from " + cacheFile);
                return new SpirvCode(name, cached);
            }
            byte[] code = compileToSpirv(name, options, source, sourcePath);
            writeCache(cacheFile, code);
            return new SpirvCode(name, code);
        } finally {
            shaderc_compile_options_release(options);
        }
    }

    private long newOptions(Map<String, String> defines) {
        long options = shaderc_compile_options_initialize();
        if (options == NULL) {
            throw new IllegalStateException("shaderc_compile_options_initialize failed");
        }
        shaderc_compile_options_set_source_language(options, shaderc_source_language_glsl);
        shaderc_compile_options_set_target_env(options, shaderc_target_env_vulkan, shaderc_env_version_vulkan_1_2);
        shaderc_compile_options_set_target_spirv(options, shaderc_spirv_version_1_5);
        shaderc_compile_options_set_optimization_level(options, shaderc_optimization_level_performance);
        shaderc_compile_options_set_include_callbacks(options, includeResolver, includeReleaser, NULL);
        defines.forEach((k, v) -> shaderc_compile_options_add_macro_definition(options, k, v == null ? "" : v));
        return options;
    }

    private byte[] compileToSpirv(String name, long options, String source, String sourcePath) {
        long result = shaderc_compile_into_spv(compiler, source, shaderc_compute_shader, sourcePath, ENTRY_POINT, options);
        try {
            checkResult(name, sourcePath, result, "compile");
            ByteBuffer bytes = shaderc_result_get_bytes(result);
            if (bytes == null) {
                throw new ShaderCompilationException(name, "Shader '" + name + "': shaderc returned no SPIR-V");
            }
            byte[] code = new byte[bytes.remaining()];
            bytes.get(code);
            return code;
        } finally {
            shaderc_result_release(result);
        }
    }

    private String preprocess(String name, long options, String source, String sourcePath) {
        long result = shaderc_compile_into_preprocessed_text(compiler, source, shaderc_compute_shader, sourcePath,
                ENTRY_POINT, options);
        try {
            checkResult(name, sourcePath, result, "preprocess");
            ByteBuffer bytes = shaderc_result_get_bytes(result);
            return bytes == null ? "" : StandardCharsets.UTF_8.decode(bytes).toString();
        } finally {
            shaderc_result_release(result);
        }
    }

    private static void checkResult(String name, String sourcePath, long result, String step) {
        if (result == NULL) {
            throw new ShaderCompilationException(name, "Shader '" + name + "': shaderc failed to " + step
                    + " (out of memory or invalid arguments)");
        }
        int status = shaderc_result_get_compilation_status(result);
        String message = shaderc_result_get_error_message(result);
        if (status != shaderc_compilation_status_success) {
            throw new ShaderCompilationException(name, "Shader '" + name + "' (" + sourcePath + ") failed to " + step
                    + " (shaderc status " + status + "):\n" + (message == null ? "" : message.strip()));
        }
        if (shaderc_result_get_num_warnings(result) > 0 && message != null && !message.isBlank()) {
            LOG.log(Level.WARNING, "Shader '" + name + "' " + step + " warnings:\n" + message.strip());
        }
    }

    private static String cacheKey(String preprocessed, Map<String, String> defines) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(OPTIONS_FINGERPRINT.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(defines.toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(preprocessed.getBytes(StandardCharsets.UTF_8));
            // 128 bits are plenty to make collisions between shader versions impossible in practice.
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static byte[] readCache(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (SpirvCode.isValid(bytes)) {
                return bytes;
            }
            LOG.log(Level.WARNING, "Ignoring corrupt SPIR-V cache file " + file);
        } catch (IOException | SecurityException e) {
            LOG.log(Level.WARNING, "Cannot read SPIR-V cache file " + file + ": " + e);
        }
        return null;
    }

    private static void writeCache(Path file, byte[] code) {
        if (file == null) {
            return;
        }
        Path temp = null;
        try {
            Files.createDirectories(file.getParent());
            // Write then rename, so a concurrent reader (another JVM) never sees a partial module.
            temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.write(temp, code);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "Cannot write SPIR-V cache file " + file + " (continuing without caching): " + e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException | SecurityException ignored) {
                    // Best effort: a stray temp file is harmless.
                }
            }
        }
    }

    private static String fileSafe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String readResource(String path) {
        ClassLoader loader = ShaderCompiler.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(path)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ShaderCompilationException(path, "Cannot read shader source " + path + ": " + e, e);
        }
    }

    /**
     * shaderc include callback. Runs as a native upcall, so it must not throw: failures are reported
     * the shaderc way, as a result with an empty source name and the error text as content.
     */
    private static long resolveInclude(long userData, long requestedSource, int type, long requestingSource,
                                       long includeDepth) {
        String requested = memUTF8(requestedSource);
        String requesting = memUTF8(requestingSource);
        String resolved;
        String content;
        try {
            String base = type == shaderc_include_type_relative && requesting.contains("/")
                    ? requesting.substring(0, requesting.lastIndexOf('/') + 1) : SOURCE_ROOT;
            resolved = normalize(base + requested);
            content = resolved == null ? null : readResource(resolved);
        } catch (RuntimeException e) {
            resolved = null;
            content = null;
        }
        if (content == null) {
            return includeResult("", "cannot find included file '" + requested + "' (requested by " + requesting
                    + ", searched " + (resolved == null ? "outside " + SOURCE_ROOT : resolved) + " on the classpath)");
        }
        return includeResult(resolved, content);
    }

    private static long includeResult(String sourceName, String content) {
        byte[] name = sourceName.getBytes(StandardCharsets.UTF_8);
        byte[] text = content.getBytes(StandardCharsets.UTF_8);
        // One block for both strings, freed in releaseInclude via user_data.
        ByteBuffer block = memAlloc(name.length + text.length + 1);
        block.put(name).put(text).flip();
        long address = memAddress(block);
        ShadercIncludeResult result = ShadercIncludeResult.malloc()
                .source_name(memByteBuffer(address, name.length))
                .content(memByteBuffer(address + name.length, text.length))
                .user_data(address);
        return result.address();
    }

    private static void releaseInclude(long userData, long includeResult) {
        ShadercIncludeResult result = ShadercIncludeResult.create(includeResult);
        nmemFree(result.user_data());
        result.free();
    }

    /** Resolves {@code .} and {@code ..} segments; {@code null} if the path leaves the classpath root. */
    private static String normalize(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return String.join("/", parts);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shaderc_compiler_release(compiler);
        includeResolver.free();
        includeReleaser.free();
    }
}
