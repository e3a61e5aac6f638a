package dev.lumen.engine.testing;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs test classes without Maven, for machines that have a Java runtime and the test classpath
 * but no build tool (the GPU machines, see bench/gpu-bundle.sh): prints each test's outcome, with
 * the reason of every skipped or aborted one, and the summary.
 *
 * <p>Usage: {@code TestClassRunner [--require-run] CLASS...}. Exit status 1 when a test failed;
 * with {@code --require-run} also 2 when any test was skipped or aborted (an unmet assumption, such
 * as a device without the feature under test), so a script can stop before timing an unverified
 * kernel.
 */
public final class TestClassRunner {
    private TestClassRunner() {
    }

    public static void main(String[] args) {
        boolean requireRun = false;
        List<String> classes = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--require-run")) {
                requireRun = true;
            } else {
                classes.add(arg);
            }
        }
        if (classes.isEmpty()) {
            System.err.println("usage: TestClassRunner [--require-run] CLASS...");
            System.exit(64);
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(DiscoverySelectors::selectClass).toList())
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener printer = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                System.out.println("SKIPPED  " + test.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    return;
                }
                String why = result.getThrowable().map(t -> ": " + t).orElse("");
                System.out.println(result.getStatus() + " " + test.getDisplayName() + why);
            }
        };
        launcher.execute(request, summary, printer);
        TestExecutionSummary s = summary.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        out.flush();
        long notRun = s.getTestsSkippedCount() + s.getTestsAbortedCount();
        if (s.getTotalFailureCount() > 0) {
            System.exit(1);
        }
        if (requireRun && (notRun > 0 || s.getTestsSucceededCount() == 0)) {
            System.out.println("--require-run: " + notRun + " test(s) did not run (see the reasons above)");
            System.exit(2);
        }
    }
}
