package dev.lumen.engine.vulkan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.engine.vulkan.DeviceCapabilities.ComponentType;
import dev.lumen.engine.vulkan.DeviceCapabilities.CooperativeMatrixShape;
import dev.lumen.engine.vulkan.DeviceCapabilities.DeviceType;
import dev.lumen.engine.vulkan.DeviceCapabilities.Scope;
import dev.lumen.engine.vulkan.DeviceCapabilities.SubgroupOperation;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which devices get the cooperative-matrix GEMM, with which shape and tiles, and how the mode is
 * read: decided from {@link DeviceCapabilities} alone, so it is checked here on made-up devices
 * (listing what NVIDIA's driver and Mesa 26's lavapipe list, and Mesa 22's lavapipe without the
 * extension) without any Vulkan driver.
 */
class CoopMatSelectionTest {
    private static final ComponentType F16 = ComponentType.FLOAT16;
    private static final ComponentType F32 = ComponentType.FLOAT32;

    /** What NVIDIA's Vulkan driver reports on Ampere/Hopper (fp16 shapes; int8 ones left out). */
    private static final List<CooperativeMatrixShape> NVIDIA_SHAPES = List.of(
            new CooperativeMatrixShape(16, 8, 16, F16, F16, F16, F16, false, Scope.SUBGROUP),
            new CooperativeMatrixShape(16, 8, 8, F16, F16, F32, F32, false, Scope.SUBGROUP),
            new CooperativeMatrixShape(16, 8, 16, F16, F16, F32, F32, false, Scope.SUBGROUP),
            new CooperativeMatrixShape(16, 16, 16, F16, F16, F16, F16, false, Scope.SUBGROUP),
            new CooperativeMatrixShape(16, 16, 16, F16, F16, F32, F32, false, Scope.SUBGROUP));

    private static DeviceCapabilities device(String name, List<CooperativeMatrixShape> shapes, boolean memoryModel,
                                             int minSubgroup, int maxSubgroup, int sharedBytes) {
        return new DeviceCapabilities(name, DeviceType.DISCRETE_GPU, 0x10DE, 0x2330, 0, "NVIDIA", "", 1 << 22 | 3 << 12,
                true, true, true, true, true, true, memoryModel,
                maxSubgroup, minSubgroup, maxSubgroup, true, true, true,
                EnumSet.allOf(SubgroupOperation.class), sharedBytes, List.of(1024, 1024, 64),
                List.of(Integer.MAX_VALUE, 65535, 65535), 1024, 256, 1L << 32, 1L << 40, 64, 80L << 30, 0, 64, 1f,
                !shapes.isEmpty(), shapes, Set.of());
    }

    private static DeviceCapabilities h100() {
        return device("NVIDIA H100 80GB HBM3", NVIDIA_SHAPES, true, 32, 32, 49152);
    }

    @Test
    void nvidiaGetsTheSixteenCubedShapeAndTilesByProductSize() {
        KernelTuning tuning = KernelTuning.forDevice(h100());
        assertThat(KernelTuning.coopMatUnsupportedReason(h100())).isEmpty();
        assertThat(tuning.hasCoopMat()).isTrue();
        CooperativeMatrixShape shape = tuning.coopMatShape();
        assertThat(List.of(shape.m(), shape.n(), shape.k())).containsExactly(16, 16, 16);
        assertThat(shape.c()).isEqualTo(F32);

        // 4096 tokens × 1152 channels: 32 × 9 = 288 tiles of 128 × 128, enough for the large tile.
        KernelTuning.CoopMatTile large = tuning.coopMatTileFor(4096, 1152);
        assertThat(large.rows()).isEqualTo(128);
        assertThat(large.cols()).isEqualTo(128);
        assertThat(large.threads()).isEqualTo(128);
        assertThat(large.bk()).isEqualTo(32);
        assertThat(large.kSteps()).isEqualTo(2);
        assertThat(large.sharedBytes()).isEqualTo(2 * 256 * 40 + 4 * 4 * 256 + 8).isLessThanOrEqualTo(49152);
        // 256 tokens: 2 × 9 tiles would leave most of the GPU idle, so 64 × 64.
        KernelTuning.CoopMatTile small = tuning.coopMatTileFor(256, 1152);
        assertThat(small.rows()).isEqualTo(64);
        assertThat(small.cols()).isEqualTo(64);
        // The kernel stages BM·BK A values per k step in whole rounds of the workgroup.
        assertThat(small.rows() * small.bk() % small.threads()).isZero();
        assertThat(large.rows() * large.bk() % large.threads()).isZero();
    }

    /**
     * What lavapipe lists from Mesa 26 on (seen with 26.1.6 and 26.2.6, LLVM 19 and 22): only 8 × 8 × 8,
     * with fp16 and fp32 accumulation and int8 shapes, on subgroups of 8 lanes. The fp32-accumulating
     * one is taken, and the tiles shrink with it: 32 threads, 32 × 32 or 64 × 64 outputs, four 8-deep
     * k steps per 32. bench/lavapipe-coopmat.sh runs CoopMatGemmTest on such a lavapipe.
     */
    @Test
    void lavapipeGetsItsEightCubedFp32AccumulatingShape() {
        List<CooperativeMatrixShape> lavapipeShapes = List.of(
                new CooperativeMatrixShape(8, 8, 8, F16, F16, F16, F16, false, Scope.SUBGROUP),
                new CooperativeMatrixShape(8, 8, 8, F16, F16, F32, F32, false, Scope.SUBGROUP),
                new CooperativeMatrixShape(8, 8, 8, ComponentType.UINT8, ComponentType.UINT8,
                        ComponentType.UINT32, ComponentType.UINT32, false, Scope.SUBGROUP),
                new CooperativeMatrixShape(8, 8, 8, ComponentType.SINT8, ComponentType.SINT8,
                        ComponentType.SINT32, ComponentType.SINT32, false, Scope.SUBGROUP));
        DeviceCapabilities lavapipe = device("llvmpipe (LLVM 22.1.8, 256 bits)", lavapipeShapes, true, 8, 8, 32768);
        assertThat(KernelTuning.coopMatUnsupportedReason(lavapipe)).isEmpty();
        KernelTuning tuning = KernelTuning.forDevice(lavapipe);
        CooperativeMatrixShape shape = tuning.coopMatShape();
        assertThat(shape).isEqualTo(lavapipeShapes.get(1));

        KernelTuning.CoopMatTile small = tuning.coopMatTileFor(256, 1152);
        assertThat(List.of(small.threads(), small.rows(), small.cols(), small.kSteps(), small.bk()))
                .containsExactly(32, 32, 32, 4, 32);
        // 4100 tokens × 1152 channels: 65 × 18 tiles of 64 × 64.
        KernelTuning.CoopMatTile large = tuning.coopMatTileFor(4100, 1152);
        assertThat(List.of(large.threads(), large.rows(), large.cols())).containsExactly(32, 64, 64);
        assertThat(large.sharedBytes()).isLessThanOrEqualTo(32768);
        assertThat(small.rows() * small.bk() % small.threads()).isZero();
        assertThat(large.rows() * large.bk() % large.threads()).isZero();
    }

    @Test
    void withoutSixteenCubedTheLargestUsableShapeIsTaken() {
        DeviceCapabilities caps = device("gpu", NVIDIA_SHAPES.subList(0, 3), true, 32, 32, 49152);
        CooperativeMatrixShape shape = KernelTuning.coopMatShape(caps).orElseThrow();
        assertThat(List.of(shape.m(), shape.n(), shape.k())).containsExactly(16, 8, 16);
    }

    @Test
    void devicesThatCannotRunTheKernelSayWhy() {
        DeviceCapabilities lavapipe = device("llvmpipe (LLVM 15.0.6, 256 bits)", List.of(), true, 8, 8, 32768);
        assertThat(KernelTuning.coopMatUnsupportedReason(lavapipe)).hasValueSatisfying(reason ->
                assertThat(reason).contains("llvmpipe").contains("VK_KHR_cooperative_matrix"));
        assertThat(KernelTuning.forDevice(lavapipe).hasCoopMat()).isFalse();

        List<CooperativeMatrixShape> f16Only = List.of(NVIDIA_SHAPES.get(0), NVIDIA_SHAPES.get(3));
        assertThat(KernelTuning.coopMatUnsupportedReason(device("gpu", f16Only, true, 32, 32, 49152)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("FLOAT32"));
        assertThat(KernelTuning.coopMatUnsupportedReason(device("gpu", NVIDIA_SHAPES, false, 32, 32, 49152)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("vulkanMemoryModel"));
        assertThat(KernelTuning.coopMatUnsupportedReason(device("amd", NVIDIA_SHAPES, true, 32, 64, 65536)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("variable subgroup size (32..64)"));
        assertThat(KernelTuning.coopMatUnsupportedReason(device("tiny", NVIDIA_SHAPES, true, 32, 32, 8192)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("cannot fit"));
    }

    @Test
    void modeIsParsedOrRejectedWithItsSource() {
        assertThat(CoopMatMode.parse(" Off ", "x")).isEqualTo(CoopMatMode.OFF);
        assertThat(CoopMatMode.parse("on", "x")).isEqualTo(CoopMatMode.ON);
        assertThat(CoopMatMode.parse("AUTO", "x")).isEqualTo(CoopMatMode.AUTO);
        assertThatThrownBy(() -> CoopMatMode.parse("yes", "environment variable LUMEN_VK_COOPMAT"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LUMEN_VK_COOPMAT").hasMessageContaining("'yes'")
                .hasMessageContaining("off, on or auto");
    }

    @Test
    void systemPropertyOverridesTheEnvironment() {
        String before = System.getProperty(CoopMatMode.PROPERTY);
        try {
            System.setProperty(CoopMatMode.PROPERTY, "on");
            assertThat(CoopMatMode.fromEnvironment()).isEqualTo(CoopMatMode.ON);
            System.setProperty(CoopMatMode.PROPERTY, "sometimes");
            assertThatThrownBy(CoopMatMode::fromEnvironment).hasMessageContaining(CoopMatMode.PROPERTY);
        } finally {
            if (before == null) {
                System.clearProperty(CoopMatMode.PROPERTY);
            } else {
                System.setProperty(CoopMatMode.PROPERTY, before);
            }
        }
    }
}
