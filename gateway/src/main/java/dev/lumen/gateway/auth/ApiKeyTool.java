package dev.lumen.gateway.auth;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Admin command that makes an API key and prints the configuration entry to add: the key itself is
 * shown once and never stored; the gateway keeps only its SHA-256. Run with
 * {@code java -cp <gateway classpath> dev.lumen.gateway.auth.ApiKeyTool <name> <tenant> [key]}
 * (give {@code key} to hash an existing one instead of generating one). A command-line tool, so it
 * prints to standard output, unlike the service.
 */
public final class ApiKeyTool {
    private ApiKeyTool() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length < 2 || args.length > 3 || !args[1].matches("[A-Za-z0-9][A-Za-z0-9_-]{0,127}")) {
            System.err.println("usage: ApiKeyTool <name> <tenant> [key]   (tenant: letters, digits, '_' or '-')");
            System.exit(2);
            return;
        }
        String key = args.length == 3 ? args[2] : ApiKeyHashes.newKey();
        out.print(render(args[0], args[1], key, args.length < 3));
    }

    /** The text the tool prints; separate from {@link #main} so it can be tested. */
    static String render(String name, String tenant, String key, boolean generated) {
        StringBuilder text = new StringBuilder();
        if (generated) {
            text.append("# API key (shown once, give it to the client): ").append(key).append('\n');
        }
        text.append("# add under lumen.gateway.auth.keys:\n")
                .append("- name: ").append(name).append('\n')
                .append("  tenant: ").append(tenant).append('\n')
                .append("  sha256: ").append(ApiKeyHashes.sha256(key)).append('\n')
                .append("  rate-per-second: 5\n")
                .append("  burst: 20\n")
                .append("  max-active-jobs: 16\n");
        return text.toString();
    }
}
