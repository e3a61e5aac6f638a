package dev.lumen.layout;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.MapPropertySource;

/**
 * layout-service as a Spring Boot WebFlux application: {@link #main} runs it on its own (port 8081
 * unless {@code server.port} says otherwise), {@link #start(Map)} inside another process (the
 * standalone platform, tests) with properties that outrank every other source. Its optional config
 * file is {@code lumen-layout.yml|properties}, never {@code application.*}, so it cannot pick up
 * the gateway's file when both share a class path.
 */
@SpringBootApplication(proxyBeanMethods = false)
@ConfigurationPropertiesScan
public class LayoutServiceApplication {

    /** Defaults below every other source; see the README for the {@code lumen.layout.*} properties. */
    static Map<String, Object> defaults() {
        Map<String, Object> d = new HashMap<>();
        d.put("spring.config.name", "lumen-layout");
        d.put("spring.application.name", "lumen-layout-service");
        d.put("server.port", "8081");
        d.put("server.shutdown", "graceful");
        d.put("management.endpoints.web.exposure.include", "health,info");
        d.put("management.endpoint.health.probes.enabled", "true");
        return d;
    }

    @Bean
    LayoutPlanning layoutPlanning(LayoutServiceProperties properties) {
        return LayoutPlanning.create(properties.limits());
    }

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(LayoutServiceApplication.class);
        app.setDefaultProperties(defaults());
        app.setWebApplicationType(WebApplicationType.REACTIVE);
        app.run(args);
    }

    /**
     * Starts layout-service in this JVM; {@code properties} (e.g. {@code server.port},
     * {@code server.address}) take precedence over files and the environment. Close the returned
     * context to stop it.
     */
    public static ConfigurableApplicationContext start(Map<String, Object> properties) {
        SpringApplication app = new SpringApplication(LayoutServiceApplication.class);
        app.setDefaultProperties(defaults());
        app.setWebApplicationType(WebApplicationType.REACTIVE);
        // The banner is printed before initializers add these properties, so this one is applied here.
        if ("off".equals(String.valueOf(properties.get("spring.main.banner-mode")))) {
            app.setBannerMode(Banner.Mode.OFF);
        }
        app.addInitializers(context -> context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("lumen-layout-embedded", Map.copyOf(properties))));
        return app.run();
    }
}
