package dev.lumen.standalone;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./lumen} entry point. Engine commands run without starting any service; {@code serve}
 * runs the whole platform in this process.
 */
@Command(name = "lumen", mixinStandardHelpOptions = true, version = "Lumen 0.1.0",
        description = "Serve and run PixArt-family text-to-image diffusion transformers.",
        subcommands = {GenerateCommand.class, MakeRandomModelCommand.class, BenchCommand.class,
                ServeCommand.class, EvalCommand.class, PullCommand.class,
                CommandLine.HelpCommand.class})
public final class LumenCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (0 ok, 1 failed, 2 usage or unavailable). */
    public static int execute(String... args) {
        return new CommandLine(new LumenCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // Expected failures (bad model folder, bad input file…) carry a message that names
                    // the file, tensor or field; print it without a stack trace.
                    cmd.getErr().println("lumen " + cmd.getCommandName() + ": " + describe(e));
                    if (System.getenv("LUMEN_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                })
                .execute(args);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
