package dev.lumen.engine.vulkan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gemm_coopmat.comp compiles with the project's shaderc into SPIR-V that really multiplies on
 * cooperative matrices, declares what the device must enable, and has the specialization constants
 * VulkanOps sets. Needs no Vulkan device, so it runs everywhere (CI included): the kernel's code is
 * checked here even where no device can execute it. Where a {@code spirv-val} that knows
 * SPV_KHR_cooperative_matrix is on the PATH, the module is also validated for Vulkan 1.2.
 */
class CoopMatShaderTest {
    // SPIR-V opcodes, capabilities and decorations (SPIR-V spec, unified headers).
    private static final int OP_EXTENSION = 10;
    private static final int OP_MEMORY_MODEL = 14;
    private static final int OP_CAPABILITY = 17;
    private static final int OP_DECORATE = 71;
    private static final int OP_COOPMAT_LOAD = 4457;
    private static final int OP_COOPMAT_STORE = 4458;
    private static final int OP_COOPMAT_MULADD = 4459;
    private static final int CAP_FLOAT16 = 9;
    private static final int CAP_VULKAN_MEMORY_MODEL = 5345;
    private static final int CAP_COOPMAT = 6022;
    private static final int DECORATION_SPEC_ID = 1;
    private static final int MEMORY_MODEL_VULKAN = 3;

    private static ShaderCompiler compiler;
    private static Module module;
    private static byte[] code;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void compile() {
        compiler = new ShaderCompiler(null);
        code = compiler.compile("gemm_coopmat").code();
        module = Module.parse(code);
    }

    @AfterAll
    static void close() {
        if (compiler != null) {
            compiler.close();
        }
    }

    @Test
    void multipliesOnCooperativeMatrices() {
        assertThat(module.capabilities).contains(CAP_COOPMAT, CAP_FLOAT16);
        assertThat(module.extensions).contains("SPV_KHR_cooperative_matrix");
        // Loads of A and B fragments, the multiply-add and the store of the result are all there,
        // so the optimiser kept the cooperative-matrix path.
        assertThat(module.opcodes).containsKeys(OP_COOPMAT_LOAD, OP_COOPMAT_STORE, OP_COOPMAT_MULADD);
        assertThat(module.opcodes.get(OP_COOPMAT_LOAD)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void declaresTheVulkanMemoryModelTheDeviceMustEnable() {
        // VulkanDevice enables vulkanMemoryModel and KernelTuning requires it because of this.
        assertThat(module.capabilities).contains(CAP_VULKAN_MEMORY_MODEL);
        assertThat(module.memoryModel).isEqualTo(MEMORY_MODEL_VULKAN);
    }

    @Test
    void hasTheSpecializationConstantsVulkanOpsSets() {
        // 0: workgroup size; 1..3: fragment shape; 4..7: subgroups and fragments; 8: k steps; 9, 10: bias.
        assertThat(module.specIds).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void targetsSpirv15LikeEveryOtherKernel() {
        // Vulkan 1.2 / SPIR-V 1.5 suffice for SPV_KHR_cooperative_matrix: it is an extension, not core 1.6.
        assertThat(module.version).isEqualTo(0x00010500);
    }

    @Test
    void passesSpirvValWhereItKnowsTheExtension() throws IOException, InterruptedException {
        Path spv = tmp.resolve("gemm_coopmat.spv");
        Files.write(spv, code);
        Process process;
        try {
            process = new ProcessBuilder("spirv-val", "--target-env", "vulkan1.2", spv.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "spirv-val is not on the PATH (Debian: spirv-tools): " + e.getMessage());
            return;
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("spirv-val finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        // Debian bookworm's SPIRV-Tools 2023.1 predates the KHR extension and rejects its capability
        // number before validating anything.
        assumeFalse(output.contains("Invalid capability operand: " + CAP_COOPMAT),
                "this spirv-val predates SPV_KHR_cooperative_matrix: " + output);
        assertThat(process.exitValue()).as("spirv-val: " + output).isZero();
    }

    /** The parts of a SPIR-V module these tests look at. */
    private record Module(int version, Set<Integer> capabilities, Set<String> extensions, int memoryModel,
                          Map<Integer, Integer> opcodes, List<Integer> specIds) {
        static Module parse(byte[] bytes) {
            ByteBuffer words = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(words.getInt(0)).as("SPIR-V magic").isEqualTo(SpirvCode.MAGIC);
            int version = words.getInt(4);
            Set<Integer> capabilities = new TreeSet<>();
            Set<String> extensions = new TreeSet<>();
            Map<Integer, Integer> opcodes = new HashMap<>();
            List<Integer> specIds = new ArrayList<>();
            int memoryModel = -1;
            int count = bytes.length / 4;
            for (int i = 5; i < count; ) {
                int first = words.getInt(4 * i);
                int wordCount = first >>> 16;
                int opcode = first & 0xffff;
                assertThat(wordCount).as("instruction length at word " + i).isPositive();
                opcodes.merge(opcode, 1, Integer::sum);
                switch (opcode) {
                    case OP_CAPABILITY -> capabilities.add(words.getInt(4 * (i + 1)));
                    case OP_MEMORY_MODEL -> memoryModel = words.getInt(4 * (i + 2));
                    case OP_EXTENSION -> extensions.add(literalString(bytes, i + 1, wordCount - 1));
                    case OP_DECORATE -> {
                        if (words.getInt(4 * (i + 2)) == DECORATION_SPEC_ID) {
                            specIds.add(words.getInt(4 * (i + 3)));
                        }
                    }
                    default -> {
                    }
                }
                i += wordCount;
            }
            return new Module(version, capabilities, extensions, memoryModel, opcodes, specIds);
        }

        private static String literalString(byte[] bytes, int word, int words) {
            int start = 4 * word;
            int end = start;
            while (end < start + 4 * words && bytes[end] != 0) {
                end++;
            }
            return new String(bytes, start, end - start, StandardCharsets.UTF_8);
        }
    }
}
