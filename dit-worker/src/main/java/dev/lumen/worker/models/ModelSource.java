package dev.lumen.worker.models;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model comes from: a local folder in diffusers layout, a prefix in an S3 bucket
 * ({@code s3://bucket/prefix}) holding such a folder, or a Hugging Face Hub repository
 * ({@code hf:owner/repo}, optionally {@code @revision}: a branch, tag or commit). Parsed from the
 * one string the CLI's {@code --model} and the worker's {@code LUMEN_MODEL_SOURCE} take.
 */
public sealed interface ModelSource {
    Pattern HUB = Pattern.compile("hf:([A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?)(?:@([A-Za-z0-9._/-]+))?");
    Pattern S3 = Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?");

    /** The name the model gets in the API when none is given: the folder's, prefix's or repository's last part. */
    String defaultName();

    /** A folder on this machine; used as it is. */
    record Local(Path folder) implements ModelSource {
        @Override
        public String defaultName() {
            Path name = folder.toAbsolutePath().normalize().getFileName();
            return name == null ? "model" : name.toString();
        }

        @Override
        public String toString() {
            return folder.toString();
        }
    }

    /** The objects under {@code prefix} ("" for the whole bucket) of {@code bucket}. */
    record S3Prefix(String bucket, String prefix) implements ModelSource {
        @Override
        public String defaultName() {
            String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            return trimmed.isEmpty() ? bucket : trimmed.substring(trimmed.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + prefix;
        }
    }

    /** A Hub repository at {@code revision} (default {@code main}). */
    record Hub(String repoId, String revision) implements ModelSource {
        public static final String DEFAULT_REVISION = "main";

        @Override
        public String defaultName() {
            return repoId.substring(repoId.lastIndexOf('/') + 1);
        }

        /** Whether the revision is a full commit id, which never moves (a cached snapshot of it is final). */
        public boolean pinned() {
            return revision.matches("[0-9a-f]{40}");
        }

        @Override
        public String toString() {
            return "hf:" + repoId + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision);
        }
    }

    /**
     * Reads a source: {@code hf:…} and {@code s3://…} by their syntax (a malformed one is an
     * error, not a folder name), anything else as a local path.
     *
     * @throws IllegalArgumentException naming what is wrong with an {@code hf:} or {@code s3://} source
     */
    static ModelSource parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("model source is empty; give a folder, s3://bucket/prefix or hf:owner/repo[@revision]");
        }
        String s = spec.strip();
        if (s.startsWith("hf:")) {
            Matcher m = HUB.matcher(s);
            if (!m.matches() || (m.group(2) != null && (m.group(2).contains("..") || m.group(2).startsWith("/")
                    || m.group(2).endsWith("/")))) {
                throw new IllegalArgumentException("model source '" + s + "' is not hf:owner/repo or hf:owner/repo@revision"
                        + " (letters, digits, '.', '_', '-'; a revision may contain '/')");
            }
            return new Hub(m.group(1), m.group(2) == null ? Hub.DEFAULT_REVISION : m.group(2));
        }
        if (s.startsWith("s3://")) {
            Matcher m = S3.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("model source '" + s + "' is not s3://bucket/prefix (bucket: 3-63 lower-case"
                        + " letters, digits, '.' and '-')");
            }
            String prefix = m.group(2) == null ? "" : m.group(2);
            if (prefix.startsWith("/") || prefix.contains("//") || prefix.contains("..")) {
                throw new IllegalArgumentException("model source '" + s + "': the prefix must not start with '/' or contain"
                        + " '//' or '..'");
            }
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            return new S3Prefix(m.group(1), prefix);
        }
        return new Local(Path.of(s));
    }
}
