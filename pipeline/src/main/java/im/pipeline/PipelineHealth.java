package im.pipeline;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when every consumer loop of the service reads normally: not while joining, loading a table or retrying a failed
 * dependency (the failure is in the answer's data).
 */
@Readiness
@ApplicationScoped
public class PipelineHealth implements HealthCheck {

    @Inject
    KafkaClients clients;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("kafka-pipelines").up();
        for (ConsumerLoop loop : clients.loops()) {
            response.withData(loop.name(), loop.state() + ": " + loop.detail());
            if (!loop.isReady()) {
                response.down();
            }
        }
        return response.build();
    }
}
