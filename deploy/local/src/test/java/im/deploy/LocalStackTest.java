package im.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import im.deploy.LocalStack.Service;
import im.deploy.LocalStack.StartupException;
import im.deploy.LocalStack.Topology;

class LocalStackTest {
    private static final Path ROOT = Path.of("/tmp/im-root");

    @Test
    void defaultTopology_isOneOfEach_onTheUsualPorts() {
        List<Service> services = new LocalStack(ROOT, Map.of(), Topology.parse()).services();

        assertThat(services).extracting(Service::name).containsExactly("gateway", "routing", "history", "media", "push");
        assertThat(services).extracting(Service::port).containsExactly(8080, 8081, 8082, 8083, 8084);
        assertThat(services.get(0).properties()).containsEntry("im.gateway.node-id", "gw-1")
                .containsEntry("im.gateway.node-slot", "0");
    }

    @Test
    void severalInstances_getTheirOwnPorts_nodeIdsAndSlots_andCallTheFirstInstanceOfEachPeer() {
        List<Service> services = new LocalStack(ROOT, Map.of(),
                Topology.parse("--gateways", "3", "--routers=2", "--history", "2")).services();

        assertThat(services).extracting(Service::name).containsExactly("gateway-1", "gateway-2", "gateway-3", "routing-1",
                "routing-2", "history-1", "history-2", "media", "push");
        assertThat(services).extracting(Service::port).containsExactly(8080, 8090, 8100, 8081, 8091, 8082, 8092, 8083,
                8084);
        for (int i = 0; i < 3; i++) {
            assertThat(services.get(i).properties()).containsEntry("im.gateway.node-id", "gw-" + (i + 1))
                    .containsEntry("im.gateway.node-slot", String.valueOf(i))
                    .containsEntry("im.gateway.history-url", "http://localhost:8082")
                    .containsEntry("im.gateway.media-url", "http://localhost:8083");
        }
        assertThat(services.get(6).properties()).containsEntry("im.history.routing-url", "http://localhost:8081");
        assertThat(services.get(7).properties()).containsEntry("im.media.public-url", "http://localhost:8080");
        assertThat(services.get(1).describe()).isEqualTo("gateway-2 (gateway-service, node gw-2, slot 1)");
    }

    @Test
    void counts_areBoundedBySlotsAndPartitions() {
        assertThat(Topology.parse("--gateways", "16").gateways()).isEqualTo(16);
        assertThatThrownBy(() -> Topology.parse("--gateways", "17")).isInstanceOf(StartupException.class)
                .hasMessageContaining("1 to 16");
        assertThatThrownBy(() -> Topology.parse("--routers", "0")).hasMessageContaining("1 to 8");
        assertThatThrownBy(() -> Topology.parse("--history")).hasMessageContaining("needs a number");
        assertThatThrownBy(() -> Topology.parse("--gateways", "0")).hasMessageContaining("1 to 16");
        assertThat(new LocalStack(ROOT, Map.of(), Topology.parse("--history", "0")).services())
                .as("no history: the way to rebuild its tables").extracting(Service::kind).doesNotContain("history");
        assertThatThrownBy(() -> Topology.parse("--nodes", "2")).hasMessageContaining("unexpected argument: --nodes");
    }

    @Test
    void postgresSettings_areNameValuePairs_andAnythingElseIsRefused() {
        assertThat(LocalStack.pgSettings("shared_preload_libraries=pg_stat_statements, work_mem = 8MB"))
                .containsExactly(Map.entry("shared_preload_libraries", "pg_stat_statements"), Map.entry("work_mem", "8MB"));
        assertThat(LocalStack.pgSettings(null)).isEmpty();
        assertThatThrownBy(() -> new LocalStack(ROOT, Map.of("IM_PG_SETTINGS", "fsync"), Topology.parse()))
                .isInstanceOf(StartupException.class).hasMessageContaining("'fsync' is not name=value");
    }

    @Test
    void portsThatCollide_areRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> new LocalStack(ROOT, Map.of("IM_ROUTING_PORT", "8090"), Topology.parse("--gateways",
                "2"))).isInstanceOf(StartupException.class)
                .hasMessageContaining("port 8090 is given to both gateway-2 and routing");
    }
}
