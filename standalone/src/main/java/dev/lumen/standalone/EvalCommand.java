package dev.lumen.standalone;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./lumen eval}: the adherence benchmarks, one subcommand each. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score generated images for prompt and layout adherence (benchmark tables on stdout).",
        subcommands = {EvalPromptsCommand.class, EvalLayoutCommand.class})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        System.err.println("lumen eval: name a benchmark:");
        spec.commandLine().usage(System.err);
        return 2;
    }
}
