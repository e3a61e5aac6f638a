package dev.lumen.storage.minio;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the object store is and how to reach it. {@code region} matters to request signing only
 * (MinIO and S3Proxy accept {@code us-east-1}); giving it also spares the client a bucket-location
 * request before its first call. Timeouts are short on purpose: a worker that cannot reach storage
 * should give its task back quickly rather than hold it for the HTTP client's default five minutes.
 */
public record S3Config(URI endpoint, String region, String accessKey, String secretKey, String bucket,
                       Duration connectTimeout, Duration ioTimeout) {
    public static final String DEFAULT_REGION = "us-east-1";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(60);

    public S3Config {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(ioTimeout, "ioTimeout");
        if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
            throw new IllegalArgumentException("S3 endpoint must be an http or https URL: " + endpoint);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || ioTimeout.isNegative() || ioTimeout.isZero()) {
            throw new IllegalArgumentException("S3 timeouts must be positive: connect " + connectTimeout + ", io " + ioTimeout);
        }
    }

    /** A configuration with the default region and timeouts. */
    public S3Config(URI endpoint, String accessKey, String secretKey, String bucket) {
        this(endpoint, DEFAULT_REGION, accessKey, secretKey, bucket, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IO_TIMEOUT);
    }

    @Override
    public String toString() {
        // Never print the secret key into logs.
        return "S3Config[endpoint=" + endpoint + ", region=" + region + ", accessKey=" + accessKey + ", bucket=" + bucket
                + ", connectTimeout=" + connectTimeout + ", ioTimeout=" + ioTimeout + "]";
    }
}
