package dev.lumen.engine.vulkan;

/**
 * A shader that could not be compiled to SPIR-V: its source is missing from the classpath, an
 * {@code #include} cannot be resolved, or shaderc reported errors. The message names the shader and
 * carries shaderc's diagnostics verbatim (they include file and line numbers).
 */
public class ShaderCompilationException extends RuntimeException {
    private final String shaderName;

    public ShaderCompilationException(String shaderName, String message) {
        super(message);
        this.shaderName = shaderName;
    }

    public ShaderCompilationException(String shaderName, String message, Throwable cause) {
        super(message, cause);
        this.shaderName = shaderName;
    }

    public String shaderName() {
        return shaderName;
    }
}
