package dev.lumen.standalone;

import picocli.CommandLine.Option;

/** The sampling options the benchmark commands share (a picocli mixin). */
final class SamplingOptions {
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, vulkan or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--sampler", description = "dpm-solver or lcm (default: the model's scheduler).")
    String sampler;

    @Option(names = "--steps", description = "Denoising steps (default: 20 for dpm-solver, 4 for lcm).")
    Integer steps;

    @Option(names = "--guidance", description = "Classifier-free guidance scale; ≤ 1 disables it (default: 4.5 for dpm-solver, 0 for lcm).")
    Double guidance;
}
