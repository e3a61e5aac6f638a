package dev.lumen.gateway.images;

import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.minio.MinioObjectStore;
import dev.lumen.storage.minio.S3Config;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The gateway's read-only view of the object store: presigned URLs for a job's images and, for
 * {@code b64_json}, their bytes. Calls into the (blocking) MinIO client run on the bounded-elastic
 * scheduler. An {@link ObjectStore} bean from an embedding application (standalone) is used when
 * there is one; otherwise one is built from {@code lumen.gateway.storage}.
 */
@Component
public class ImageStore {
    private final ObjectStore store;
    private final GatewayProperties.Storage config;

    public ImageStore(GatewayProperties properties, ObjectProvider<ObjectStore> provided) {
        this.config = properties.storage();
        this.store = provided.getIfAvailable(() -> MinioObjectStore.create(new S3Config(config.endpoint(), config.region(),
                config.accessKey(), config.secretKey(), config.bucket(), S3Config.DEFAULT_CONNECT_TIMEOUT,
                S3Config.DEFAULT_IO_TIMEOUT)));
    }

    /** The stored image {@code index} of a succeeded job, or 404. */
    public static ImageRef image(JobState job, int index) {
        if (job.status() != JobStatus.SUCCEEDED || job.images() == null) {
            throw ApiException.notFound("job " + job.jobId() + " has no images (it is " + job.status().wire() + ")");
        }
        return job.images().stream().filter(r -> r.index() == index).findFirst()
                .orElseThrow(() -> ApiException.notFound("job " + job.jobId() + " has no image " + index));
    }

    /** A short-lived URL for a redirect the client follows at once. */
    public Mono<URI> redirectUrl(ImageRef image) {
        return presign(image, config.redirectTtl());
    }

    /** A URL valid for {@code url-ttl} (at least an hour, as OpenAI's are). */
    public Mono<URI> longUrl(ImageRef image) {
        return presign(image, config.urlTtl());
    }

    /** The PNG, base64. */
    public Mono<String> base64(ImageRef image) {
        return Mono.fromCallable(() -> Base64.getEncoder().encodeToString(store.get(image.key())))
                .subscribeOn(Schedulers.boundedElastic());
    }

    private Mono<URI> presign(ImageRef image, Duration ttl) {
        return Mono.fromCallable(() -> store.presignedGet(image.key(), ttl)).subscribeOn(Schedulers.boundedElastic());
    }
}
