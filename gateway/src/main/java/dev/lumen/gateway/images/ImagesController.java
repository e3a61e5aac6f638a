package dev.lumen.gateway.images;

import dev.lumen.contracts.ImageRef;
import dev.lumen.gateway.auth.ApiKey;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.jobs.JobService;
import io.swagger.v3.oas.annotations.Operation;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** {@code GET /v1/jobs/{id}/images/{i}}: a redirect to a short-lived presigned URL of the caller's image. */
@RestController
public class ImagesController {
    private final JobService jobs;
    private final ImageStore images;

    public ImagesController(JobService jobs, ImageStore images) {
        this.jobs = jobs;
        this.images = images;
    }

    @Operation(summary = "Redirect (302) to a short-lived presigned URL of image i of a succeeded job")
    @GetMapping("/v1/jobs/{id}/images/{index}")
    public Mono<ResponseEntity<Void>> image(ServerWebExchange exchange, @PathVariable("id") String id,
                                            @PathVariable("index") String index) {
        return Mono.defer(() -> {
            ImageRef image = ImageStore.image(jobs.get(ApiKey.of(exchange), id), parseIndex(index));
            return images.redirectUrl(image);
        }).map(url -> ResponseEntity.status(HttpStatus.FOUND).location(url)
                .header("Cache-Control", "no-store").<Void>build());
    }

    private static int parseIndex(String index) {
        if (index == null || !index.matches("[0-9]{1,4}")) {
            throw ApiException.notFound("no image " + (index == null ? "" : index.length() > 16 ? index.substring(0, 16) : index));
        }
        return Integer.parseInt(index);
    }
}
