package dev.lumen.engine.vulkan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end check of the Vulkan foundation on whatever device the machine has (lavapipe on a
 * GPU-less machine): instance and device creation, capability query, GLSL compilation with the SPIR-V
 * cache, VMA buffers through staging, and a compute dispatch with push and specialization constants.
 */
class VulkanSmokeTest {

    @TempDir
    Path cacheDir;

    @Test
    void saxpyRunsOnTheSelectedDevice() throws Exception {
        try (VulkanInstance instance = VulkanInstance.create(new VulkanInstance.Config("lumen-smoke-test", true));
             VulkanDevice device = instance.openDevice(DeviceSelector.fromSystemProperty());
             ShaderCompiler compiler = new ShaderCompiler(cacheDir)) {
            DeviceCapabilities caps = device.capabilities();
            System.out.println("Vulkan device: " + caps.name());
            System.out.println(caps.summary());
            System.out.println("Vulkan validation layer: " + (instance.validationEnabled() ? "on" : "not installed"));
            for (int i = 0; i < instance.physicalDevices().size(); i++) {
                System.out.println("  physical device " + i + ": " + instance.physicalDevices().get(i));
            }
            assertThat(caps.name()).isNotBlank();
            assertThat(caps.unsuitableReason()).isEmpty();
            assertThat(caps.maxComputeWorkGroupInvocations()).isGreaterThanOrEqualTo(64);

            SpirvCode spirv = compiler.compile("smoke_saxpy");
            assertThat(spirv.sizeInBytes()).isPositive();
            // The second compile must come from the on-disk cache and be identical.
            try (var cached = Files.list(cacheDir)) {
                assertThat(cached.filter(p -> p.getFileName().toString().startsWith("smoke_saxpy-"))).hasSize(1);
            }
            assertThat(compiler.compile("smoke_saxpy")).isEqualTo(spirv);

            int n = 1000; // deliberately not a multiple of the workgroup size
            int localSize = 64;
            float a = 1.7f;
            SplittableRandom random = new SplittableRandom(42);
            float[] x = new float[n];
            float[] y = new float[n];
            // Positive operands spanning four decades: with no cancellation in a*x+y, a fused and an
            // unfused multiply-add (GLSL allows either) agree to well within 1e-6 relative.
            for (int i = 0; i < n; i++) {
                x[i] = (float) Math.pow(10, random.nextDouble(-2, 2));
                y[i] = (float) Math.pow(10, random.nextDouble(-2, 2));
            }

            try (ComputeKernel kernel = ComputeKernel.builder(device, spirv)
                         .storageBuffers(2)
                         .pushConstantBytes(8)
                         .specialization(0, localSize)
                         .build();
                 GpuBuffer xBuffer = GpuBuffer.of(device, x, GpuBuffer.Location.DEVICE_LOCAL);
                 GpuBuffer yBuffer = GpuBuffer.of(device, y, GpuBuffer.Location.DEVICE_LOCAL);
                 CommandBatch batch = device.newBatch()) {
                ByteBuffer push = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(n).putFloat(a).flip();
                batch.dispatch(kernel, List.of(xBuffer, yBuffer), push, Math.ceilDiv(n, localSize));
                batch.submitAndWait();

                float[] result = yBuffer.downloadFloats(n);
                for (int i = 0; i < n; i++) {
                    float expected = Math.fma(a, x[i], y[i]);
                    assertThat(result[i]).as("y[%d]", i)
                            .isCloseTo(expected, within(1e-6f * Math.abs(expected)));
                }
            }

            // A host-visible buffer, whose contents past n must be left alone by the bounds check.
            try (ComputeKernel kernel = ComputeKernel.builder(device, spirv)
                         .storageBuffers(2)
                         .pushConstantBytes(8)
                         .build();
                 GpuBuffer xBuffer = GpuBuffer.of(device, x, GpuBuffer.Location.HOST_VISIBLE);
                 GpuBuffer yBuffer = GpuBuffer.of(device, y, GpuBuffer.Location.HOST_VISIBLE)) {
                int partial = 100;
                ByteBuffer push = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(partial).putFloat(a).flip();
                device.submitAndWait(b -> b.dispatch(kernel, List.of(xBuffer, yBuffer), push, Math.ceilDiv(n, 64)));
                float[] result = yBuffer.downloadFloats(n);
                for (int i = 0; i < n; i++) {
                    float expected = i < partial ? Math.fma(a, x[i], y[i]) : y[i];
                    assertThat(result[i]).as("y[%d]", i)
                            .isCloseTo(expected, within(1e-6f * Math.abs(expected)));
                }
            }
            assertThat(instance.validationErrorCount()).as("validation errors").isZero();
        }
    }

    @Test
    void nonexistentDeviceNameGivesAClearError() {
        try (VulkanInstance instance = VulkanInstance.create()) {
            assertThatThrownBy(() -> instance.openDevice(DeviceSelector.parse("no-such-gpu-xyz")))
                    .isInstanceOf(VulkanUnavailableException.class)
                    .hasMessageContaining("no-such-gpu-xyz")
                    .hasMessageContaining("available")
                    .hasMessageContaining(VulkanUnavailableException.INSTALL_HINT);
            assertThatThrownBy(() -> instance.openDevice(DeviceSelector.byIndex(99)))
                    .isInstanceOf(VulkanUnavailableException.class)
                    .hasMessageContaining("index 99");
        }
    }

    @Test
    void compileErrorsNameTheShader() {
        try (ShaderCompiler compiler = new ShaderCompiler(null)) {
            assertThatThrownBy(() -> compiler.compileSource("broken", "glsl/broken.comp",
                    "#version 450\nlayout(local_size_x = 1) in;\nvoid main() { undeclared = 1; }\n", Map.of()))
                    .isInstanceOf(ShaderCompilationException.class)
                    .hasMessageContaining("broken")
                    .hasMessageContaining("undeclared");
            assertThatThrownBy(() -> compiler.compile("does_not_exist"))
                    .isInstanceOf(ShaderCompilationException.class)
                    .hasMessageContaining("glsl/does_not_exist.comp");
        }
    }
}
