package dev.lumen.storage.minio;

import dev.lumen.storage.ObjectInfo;
import dev.lumen.storage.ObjectNotFoundException;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.StorageException;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.http.Method;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@link ObjectStore} on the MinIO Java client, for any S3-compatible endpoint (MinIO, AWS S3, S3Proxy).
 * The client is thread-safe and so is this store. Failures are translated into
 * {@link StorageException}s whose {@code retryable} flag follows the cause: transport failures,
 * timeouts, HTTP 5xx/429 and S3's throttling codes are retryable; refused credentials, missing
 * buckets and malformed requests are not.
 */
public final class MinioObjectStore implements ObjectStore {
    private static final Duration MAX_EXPIRY = Duration.ofDays(7);
    private static final Pattern METADATA_KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern METADATA_VALUE = Pattern.compile("[\\x20-\\x7e]*");
    // S3 error codes that mean "try again later" even when the HTTP status alone would not say so.
    private static final Set<String> RETRYABLE_CODES = Set.of("InternalError", "ServiceUnavailable", "SlowDown",
            "RequestTimeout", "RequestTimeTooSkewed", "OperationAborted");
    private static final Set<String> NOT_FOUND_CODES = Set.of("NoSuchKey", "NoSuchObject", "ResourceNotFound");

    private final MinioClient client;
    private final String bucket;
    private final URI endpoint;

    /** A store over an existing client (whose region should be set, so presigning needs no request). */
    public MinioObjectStore(MinioClient client, String bucket, URI endpoint) {
        this.client = Objects.requireNonNull(client, "client");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /** A store with its own client, configured from {@code config}. */
    public static MinioObjectStore create(S3Config config) {
        MinioClient client = MinioClient.builder()
                .endpoint(config.endpoint().toString())
                .region(config.region())
                .credentials(config.accessKey(), config.secretKey())
                .build();
        client.setTimeout(config.connectTimeout().toMillis(), config.ioTimeout().toMillis(), config.ioTimeout().toMillis());
        return new MinioObjectStore(client, config.bucket(), config.endpoint());
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void ensureBucket() {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (ErrorResponseException e) {
            // Another process created it between our check and our create: that is the outcome we wanted.
            if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                throw failure("ensure-bucket", null, e);
            }
        } catch (Exception e) {
            throw failure("ensure-bucket", null, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        requireKey(key);
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(contentType, "contentType");
        metadata.forEach((name, value) -> {
            if (!METADATA_KEY.matcher(name).matches()) {
                throw new IllegalArgumentException("metadata key for " + key + " must be lower-case letters, digits and '-': " + name);
            }
            if (value == null || !METADATA_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("metadata value of '" + name + "' for " + key
                        + " must be printable US-ASCII (it travels as an HTTP header): " + value);
            }
        });
        try {
            client.putObject(PutObjectArgs.builder()
                    .bucket(bucket)
                    .object(key)
                    .stream(new ByteArrayInputStream(bytes), bytes.length, -1)
                    .contentType(contentType)
                    .userMetadata(metadata)
                    .build());
        } catch (Exception e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public byte[] get(String key) {
        requireKey(key);
        try (GetObjectResponse response = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return response.readAllBytes();
        } catch (Exception e) {
            throw failure("get", key, e);
        }
    }

    @Override
    public void download(String key, java.nio.file.Path file) {
        requireKey(key);
        Objects.requireNonNull(file, "file");
        try (GetObjectResponse response = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            java.nio.file.Files.copy(response, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            throw failure("download", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        requireKey(key);
        try {
            StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return Optional.of(new ObjectInfo(key, stat.size(), stat.contentType(), stat.userMetadata(), stat.etag(),
                    stat.lastModified() == null ? null : stat.lastModified().toInstant()));
        } catch (Exception e) {
            StorageException failure = failure("stat", key, e);
            if (failure instanceof ObjectNotFoundException) {
                return Optional.empty();
            }
            throw failure;
        }
    }

    @Override
    public List<String> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> result : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                keys.add(result.get().objectName());
            }
        } catch (Exception e) {
            throw failure("list", prefix + "*", e);
        }
        keys.sort(null);
        return keys;
    }

    @Override
    public URI presignedGet(String key, Duration expiry) {
        requireKey(key);
        if (expiry.compareTo(Duration.ofSeconds(1)) < 0 || expiry.compareTo(MAX_EXPIRY) > 0) {
            throw new IllegalArgumentException("presigned URL expiry must be between 1 s and 7 days: " + expiry);
        }
        try {
            return URI.create(client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Method.GET)
                    .bucket(bucket)
                    .object(key)
                    .expiry((int) expiry.toSeconds(), TimeUnit.SECONDS)
                    .build()));
        } catch (Exception e) {
            throw failure("presign", key, e);
        }
    }

    @Override
    public void delete(String key) {
        requireKey(key);
        try {
            // S3 answers 204 for a key that does not exist, so deleting twice is already harmless.
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public String toString() {
        return "MinioObjectStore[" + endpoint + ", bucket " + bucket + "]";
    }

    private static void requireKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/")) {
            throw new IllegalArgumentException("object key must be non-empty and relative: " + key);
        }
    }

    /** Translates whatever the client threw into a {@link StorageException} that says whether to retry. */
    private StorageException failure(String operation, String key, Exception e) {
        return switch (e) {
            case ErrorResponseException s3 -> fromS3Error(operation, key, s3);
            case ServerException server -> new StorageException(operation, bucket, key, server.statusCode() >= 500,
                    "HTTP " + server.statusCode() + " from " + endpoint + ": " + server.getMessage(), e);
            case ConnectException refused -> new StorageException(operation, bucket, key, true,
                    "cannot connect to " + endpoint + " (" + refused.getMessage() + ")", e);
            case UnknownHostException unknown -> new StorageException(operation, bucket, key, true,
                    "unknown host " + unknown.getMessage() + " for " + endpoint, e);
            case InterruptedIOException timeout -> new StorageException(operation, bucket, key, true,
                    "timed out talking to " + endpoint + " (" + timeout.getMessage() + ")", e);
            case IOException io -> new StorageException(operation, bucket, key, true,
                    "I/O error talking to " + endpoint + ": " + io, e);
            // A response that is not S3's XML or is cut short: typically a proxy or a dropped connection.
            case InvalidResponseException invalid -> new StorageException(operation, bucket, key, true,
                    "unexpected response from " + endpoint + ": " + invalid.getMessage(), e);
            case InsufficientDataException cut -> new StorageException(operation, bucket, key, true,
                    "incomplete data: " + cut.getMessage(), e);
            default -> new StorageException(operation, bucket, key, false, e.toString(), e);
        };
    }

    private StorageException fromS3Error(String operation, String key, ErrorResponseException e) {
        String code = e.errorResponse().code();
        int status = e.response() == null ? 0 : e.response().code();
        if (key != null && (NOT_FOUND_CODES.contains(code) || (status == 404 && !"NoSuchBucket".equals(code)))) {
            return new ObjectNotFoundException(operation, bucket, key, e);
        }
        boolean retryable = status >= 500 || status == 429 || status == 408 || RETRYABLE_CODES.contains(code);
        String message = e.errorResponse().message();
        return new StorageException(operation, bucket, key, retryable,
                code + " (HTTP " + status + ")" + (message == null || message.isBlank() ? "" : ": " + message), e);
    }
}
