package dev.lumen.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debian packages a test needs, made present through the repository's one helper for that,
 * {@code scripts/ensure-debian-packages.sh} (also what {@code ./lumen test} uses for Mesa's Vulkan
 * driver): it installs them with apt-get when the tests run as root, and otherwise fails naming
 * the exact command, which this class passes on as the test's failure.
 */
final class DebianPackages {
    private static final Logger LOG = LoggerFactory.getLogger(DebianPackages.class);
    private static final String SCRIPT = "scripts/ensure-debian-packages.sh";

    private DebianPackages() {
    }

    /**
     * Returns at once when every file in {@code needed} is an executable; otherwise installs
     * {@code packages} (for {@code purpose}, which the messages name) and checks the files again.
     */
    static void ensure(String purpose, List<Path> needed, String... packages) {
        if (needed.stream().allMatch(Files::isExecutable)) {
            return;
        }
        Path script = repositoryRoot().resolve(SCRIPT);
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), purpose));
        command.addAll(List.of(packages));
        LOG.info("{} missing; running {}", needed.stream().filter(p -> !Files.isExecutable(p)).toList(), command);
        String output;
        int exit;
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(SCRIPT + " did not finish installing " + List.of(packages) + " within 15 minutes");
            }
            exit = process.exitValue();
        } catch (IOException e) {
            throw new AssertionError("could not run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while installing " + List.of(packages), e);
        }
        if (exit != 0) {
            // The script's last line names the apt command to run as root.
            throw new AssertionError(output.strip());
        }
        List<Path> stillMissing = needed.stream().filter(p -> !Files.isExecutable(p)).toList();
        if (!stillMissing.isEmpty()) {
            throw new AssertionError("installed " + List.of(packages) + " for " + purpose + ", but " + stillMissing
                    + " is still missing");
        }
        LOG.info("installed {} for {}", List.of(packages), purpose);
    }

    /** The repository root: the nearest folder up from the working directory that holds the script. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(SCRIPT))) {
                return dir;
            }
        }
        throw new AssertionError("no " + SCRIPT + " in " + Path.of("").toAbsolutePath() + " or any folder above it");
    }
}
