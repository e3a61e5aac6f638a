package dev.lumen.standalone;

import dev.lumen.engine.format.DType;
import dev.lumen.engine.tools.RandomCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./lumen make-random-model}: a full-size random checkpoint in a published layout, for benchmarks. */
@Command(name = "make-random-model", mixinStandardHelpOptions = true,
        description = "Write a full-size random checkpoint in the exact published diffusers layout of a PixArt model.")
final class MakeRandomModelCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "PixArt-XL-2-256x256, PixArt-XL-2-512x512, "
            + "PixArt-XL-2-1024-MS, PixArt-LCM-XL-2-1024-MS or PixArt-Sigma-XL-2-1024-MS.")
    String config;

    @Option(names = "--dtype", defaultValue = "bf16", description = "bf16, fp16 or fp32 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Override
    public Integer call() throws Exception {
        RandomCheckpoint.Preset preset = RandomCheckpoint.Preset.byName(config);
        new RandomCheckpoint(preset, parseDtype(dtype), System.err::println).write(out);
        System.err.println("wrote a random " + preset.publishedName() + " checkpoint to " + out);
        return 0;
    }

    static DType parseDtype(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "fp16", "f16", "float16" -> DType.F16;
            case "fp32", "f32", "float32" -> DType.F32;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "' (bf16, fp16 or fp32)");
        };
    }
}
