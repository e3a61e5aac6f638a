package dev.lumen.standalone;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Commands whose implementation lands with a later piece of the platform; they say so and exit 2. */
abstract class NotYetCommand implements Callable<Integer> {
    @Unmatched
    java.util.List<String> ignored;

    abstract String what();

    @Override
    public Integer call() {
        System.err.println("lumen: '" + what() + "' is not available in this build yet. "
                + "Available now: serve, generate, eval, make-random-model, bench (see ./lumen --help).");
        return 2;
    }

    @Command(name = "pull", description = "Download a model into the local cache (not available yet).")
    static final class Pull extends NotYetCommand {
        String what() {
            return "pull";
        }
    }
}
