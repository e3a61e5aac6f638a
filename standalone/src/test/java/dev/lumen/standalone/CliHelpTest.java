package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's --help renders cleanly. Picocli formats descriptions with String.format, so a
 * lone '%' ("95% bootstrap") silently breaks the help text and prints a warning to stderr instead.
 */
class CliHelpTest {
    @Test
    void everyCommandsHelpFormatsWithoutWarnings() {
        List<CommandLine> commands = new ArrayList<>();
        collect(new CommandLine(new LumenCli()), commands);
        assertThat(commands).hasSizeGreaterThan(8);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine command : commands) {
                String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
                assertThat(usage).as(command.getCommandName()).contains("Usage: ");
            }
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }
}
