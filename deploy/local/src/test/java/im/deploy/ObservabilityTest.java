package im.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The operators' files in {@code deploy/observability} match the code: every metric the Grafana dashboard queries is
 * one a service registers (its Micrometer name, as Prometheus shows it), and the Prometheus scrape targets are the
 * services' ports and metrics path.
 */
class ObservabilityTest {
    /** A meter named in the services' code: {@code counter("im.x.y"}, {@code Gauge.builder("im.x.y"}. */
    private static final Pattern METER = Pattern.compile("(?:counter|gauge|builder)\\(\"(im\\.[a-z0-9._]+)\"");
    private static final Pattern QUERIED = Pattern.compile("\\b((?:im|kafka)_[a-z0-9_]+)\\b");
    /** Micrometer's Kafka client binder (KafkaClientMetrics) on every consumer loop. */
    private static final Set<String> KAFKA_CLIENT_METRICS = Set.of("kafka_consumer_fetch_manager_records_lag_max");

    @Test
    void everyMetricTheDashboardQueries_isRegisteredByAService() throws IOException {
        Set<String> registered = registeredMeters();
        JsonNode dashboard = new ObjectMapper()
                .readTree(Repo.root().resolve("deploy/observability/grafana-dashboard.json").toFile());
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = QUERIED.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried).isNotEmpty();
        for (String metric : queried) {
            String meter = metric.endsWith("_total") ? metric.substring(0, metric.length() - "_total".length()) : metric;
            assertThat(registered.contains(meter) || KAFKA_CLIENT_METRICS.contains(metric))
                    .as("%s is queried by the dashboard but no service registers it (registered: %s)", metric, registered)
                    .isTrue();
        }
    }

    @Test
    void scrapeTargets_areTheServicesPortsAndMetricsPath() throws IOException {
        JsonNode config = new YAMLMapper().readTree(Repo.root().resolve("deploy/observability/prometheus.yml").toFile());
        Map<String, String> targets = new TreeMap<>();
        for (JsonNode job : config.path("scrape_configs")) {
            assertThat(job.path("metrics_path").asText()).isEqualTo("/q/metrics");
            for (JsonNode group : job.path("static_configs")) {
                for (JsonNode target : group.path("targets")) {
                    targets.put(group.path("labels").path("service").asText(), target.asText());
                }
            }
        }
        Map<String, String> expected = new TreeMap<>();
        for (String service : new String[]{"gateway", "routing", "history", "media", "push"}) {
            expected.put(service, service + ":" + httpPort(service));
        }
        assertThat(targets).isEqualTo(expected);
    }

    private static Set<String> registeredMeters() throws IOException {
        Set<String> meters = new TreeSet<>();
        for (String module : new String[]{"gateway-service", "routing-service", "history-service", "media-service",
                "push-service", "pipeline", "edge"}) {
            Path sources = Repo.root().resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = METER.matcher(Files.readString(file));
                    while (m.find()) {
                        meters.add(m.group(1).replace('.', '_'));
                    }
                }
            }
        }
        return meters;
    }

    private static String httpPort(String service) throws IOException {
        for (String line : Files
                .readAllLines(Repo.root().resolve(service + "-service/src/main/resources/application.properties"))) {
            if (line.startsWith("quarkus.http.port=")) {
                return line.substring("quarkus.http.port=".length()).strip();
            }
        }
        throw new IllegalStateException(service + " states no quarkus.http.port");
    }

}
