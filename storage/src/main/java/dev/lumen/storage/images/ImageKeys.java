package dev.lumen.storage.images;

import dev.lumen.contracts.ImageRef;
import java.util.regex.Pattern;

/**
 * The object keys of one output image: {@code images/<tenant>/<job-id>/<index>.png} and its metadata
 * {@code images/<tenant>/<job-id>/<index>.json}. Keys derive only from the job id, so a redelivered
 * task writes the same keys again (idempotent uploads), and the tenant is the first segment, so a
 * tenant's images can be listed, served and deleted by prefix. Tenant and job id are restricted to
 * letters, digits, '_' and '-' (as in the message schemas): no '/', '.' or '..' can move a key
 * outside its tenant's folder.
 */
public record ImageKeys(String tenant, String jobId, int index) {
    /** Same rule as {@code common.v1.json#/$defs/id} in contracts. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    /** More images than any job may ask for; bounds the key length. */
    public static final int MAX_INDEX = 9_999;
    private static final String ROOT = "images/";

    public ImageKeys {
        requireId("tenant", tenant);
        requireId("job id", jobId);
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("image index must be 0.." + MAX_INDEX + ": " + index);
        }
    }

    public static ImageKeys of(String tenant, String jobId, int index) {
        return new ImageKeys(tenant, jobId, index);
    }

    /** {@code images/<tenant>/<job-id>/}: every object of one job starts with it. */
    public static String jobPrefix(String tenant, String jobId) {
        requireId("tenant", tenant);
        requireId("job id", jobId);
        return ROOT + tenant + "/" + jobId + "/";
    }

    /** {@code images/<tenant>/}: every object of one tenant starts with it. */
    public static String tenantPrefix(String tenant) {
        requireId("tenant", tenant);
        return ROOT + tenant + "/";
    }

    /** The PNG's key. */
    public String png() {
        return jobPrefix(tenant, jobId) + index + ".png";
    }

    /** The key of the image's JSON metadata. */
    public String metadata() {
        return jobPrefix(tenant, jobId) + index + ".json";
    }

    /** The reference a completed event carries for this image. */
    public ImageRef toRef(int width, int height) {
        return new ImageRef(index, png(), metadata(), width, height);
    }

    private static void requireId(String what, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException(what + " must be 1-128 letters, digits, '_' or '-', starting with a"
                    + " letter or digit: " + (id == null ? "null" : "\"" + id + "\""));
        }
    }
}
