package dev.lumen.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * The gateway as a Spring Boot WebFlux application: {@link #main} runs it on its own, and
 * {@link #start(Map)} starts it inside another process (the standalone launcher, the tests) with
 * properties given in code, which outrank every other source. It reads its optional config file as
 * {@code lumen-gateway.yml|properties} rather than {@code application.*}, so it cannot pick up
 * another service's file when several share one class path.
 */
@SpringBootApplication(proxyBeanMethods = false)
@ConfigurationPropertiesScan
public class GatewayApplication {

    /** Defaults below every other source; see the README for the {@code lumen.gateway.*} properties. */
    static Map<String, Object> defaults() {
        Map<String, Object> d = new HashMap<>();
        d.put("spring.config.name", "lumen-gateway");
        d.put("spring.application.name", "lumen-gateway");
        d.put("server.shutdown", "graceful");
        d.put("management.endpoints.web.exposure.include", "health,prometheus,info");
        d.put("management.endpoint.health.probes.enabled", "true");
        // Ready only once the job-state view has caught up; before that, GETs would 404 jobs that exist.
        d.put("management.endpoint.health.group.readiness.include", "readinessState,jobState");
        d.put("management.metrics.distribution.percentiles-histogram.http.server.requests", "true");
        d.put("lumen.gateway.models[0].name", "pixart-512");
        d.put("lumen.gateway.models[0].pool", "pixart-512");
        return d;
    }

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(GatewayApplication.class);
        app.setDefaultProperties(defaults());
        app.setWebApplicationType(WebApplicationType.REACTIVE);
        app.run(args);
    }

    /**
     * Starts a gateway in this JVM. {@code properties} (for example {@code server.port},
     * {@code lumen.gateway.kafka.bootstrap-servers}) take precedence over files and the environment.
     * Close the returned context to stop it.
     */
    public static ConfigurableApplicationContext start(Map<String, Object> properties) {
        return start(properties, null, null);
    }

    /**
     * As {@link #start(Map)}, reporting through the embedding process's own {@code openTelemetry}
     * and {@code meters} instead of making its own (either may be null). A Prometheus registry
     * given here is the one {@code /actuator/prometheus} serves, so one scrape of the gateway
     * shows the meters of every service sharing it (the standalone platform).
     */
    public static ConfigurableApplicationContext start(Map<String, Object> properties, OpenTelemetry openTelemetry,
                                                       PrometheusMeterRegistry meters) {
        SpringApplication app = new SpringApplication(GatewayApplication.class);
        app.setDefaultProperties(defaults());
        app.setWebApplicationType(WebApplicationType.REACTIVE);
        // The banner is printed before initializers add these properties, so this one is applied here.
        if ("off".equals(String.valueOf(properties.get("spring.main.banner-mode")))) {
            app.setBannerMode(Banner.Mode.OFF);
        }
        app.addInitializers(context -> {
            context.getEnvironment().getPropertySources()
                    .addFirst(new MapPropertySource("lumen-gateway-embedded", Map.copyOf(properties)));
            if (openTelemetry != null) {
                context.getBeanFactory().registerSingleton("lumenOpenTelemetry", openTelemetry);
            }
            if (meters != null) {
                // Both: Boot's scrape endpoint reads the PrometheusRegistry, not the meter registry.
                context.getBeanFactory().registerSingleton("prometheusMeterRegistry", meters);
                context.getBeanFactory().registerSingleton("prometheusRegistry", meters.getPrometheusRegistry());
            }
        });
        return app.run();
    }
}
