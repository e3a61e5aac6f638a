package dev.lumen.gateway.images;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lumen.contracts.ImageRef;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.auth.ApiKey;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.jobs.JobService;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/jobs/{id}/images/{i}}: a redirect to a short-lived presigned URL of the caller's
 * image, or, for a client that asks for {@code application/json} by name, that URL as JSON. A
 * browser page cannot follow the redirect itself: its request carries the API key header, and the
 * presigned URL is on the object store's origin, which sends no CORS headers; with the URL in hand
 * it shows the image with a plain {@code <img>}, which needs neither.
 */
@RestController
public class ImagesController {
    private final JobService jobs;
    private final ImageStore images;
    private final Duration ttl;
    private final Clock clock = Clock.systemUTC();

    public ImagesController(JobService jobs, ImageStore images, GatewayProperties properties) {
        this.jobs = jobs;
        this.images = images;
        this.ttl = properties.storage().redirectTtl();
    }

    /** A presigned URL of one image and until when it works. */
    public record ImageLink(int index, int width, int height, String url, @JsonProperty("expires_at") Instant expiresAt) {
    }

    @Operation(summary = "Image i of a succeeded job: 302 to a short-lived presigned URL, or with"
            + " \"Accept: application/json\" that URL as {index, width, height, url, expires_at}")
    @GetMapping("/v1/jobs/{id}/images/{index}")
    public Mono<ResponseEntity<ImageLink>> image(ServerWebExchange exchange, @PathVariable("id") String id,
                                                 @PathVariable("index") String index) {
        boolean json = asksForJson(exchange.getRequest().getHeaders().getFirst(HttpHeaders.ACCEPT));
        return Mono.defer(() -> {
            ImageRef image = ImageStore.image(jobs.get(ApiKey.of(exchange), id), parseIndex(index));
            Instant expires = clock.instant().plus(ttl);
            return images.redirectUrl(image).map(url -> json
                    ? ResponseEntity.ok().header(HttpHeaders.CACHE_CONTROL, "no-store").contentType(MediaType.APPLICATION_JSON)
                            .body(new ImageLink(image.index(), image.width(), image.height(), url.toString(), expires))
                    : ResponseEntity.status(HttpStatus.FOUND).location(url)
                            .header(HttpHeaders.CACHE_CONTROL, "no-store").<ImageLink>build());
        });
    }

    /**
     * Whether {@code Accept} names {@code application/json} itself; a wildcard ({@code *}{@code /*},
     * what curl and most clients send) keeps the redirect every existing client follows.
     */
    static boolean asksForJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        try {
            List<MediaType> types = MediaType.parseMediaTypes(accept);
            return types.stream().anyMatch(t -> !t.isWildcardType() && !t.isWildcardSubtype()
                    && t.isCompatibleWith(MediaType.APPLICATION_JSON) && t.getQualityValue() > 0);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    private static int parseIndex(String index) {
        if (index == null || !index.matches("[0-9]{1,4}")) {
            throw ApiException.notFound("no image " + (index == null ? "" : index.length() > 16 ? index.substring(0, 16) : index));
        }
        return Integer.parseInt(index);
    }
}
