package im.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class DlqCommandTest {
    @Test
    void parse_readsListAndReplayOptions() {
        DlqCommand.Options list = DlqCommand.parse(new String[]{"list", "--max", "5", "--from-beginning"},
                Map.of("IM_KAFKA_PORT", "19092"));
        assertThat(list.bootstrap()).isEqualTo("localhost:19092");
        assertThat(list.max()).isEqualTo(5);
        assertThat(list.fromBeginning()).isTrue();

        DlqCommand.Options replay = DlqCommand.parse(new String[]{"replay", "--offset", "3", "--offset", "7",
                "--bootstrap", "kafka:9092"}, Map.of());
        assertThat(replay.offsets()).containsExactlyInAnyOrder(3L, 7L);
        assertThat(replay.bootstrap()).isEqualTo("kafka:9092");
        assertThat(DlqCommand.parse(new String[]{"--help"}, Map.of())).isNull();
    }

    @Test
    void replay_needsOffsetsOrAll_notBoth() {
        assertThatThrownBy(() -> DlqCommand.parse(new String[]{"replay"}, Map.of())).hasMessageContaining("--offset");
        assertThatThrownBy(() -> DlqCommand.parse(new String[]{"replay", "--all", "--offset", "1"}, Map.of()))
                .hasMessageContaining("--offset");
        assertThatThrownBy(() -> DlqCommand.parse(new String[]{"purge"}, Map.of())).hasMessageContaining("unknown action");
    }

    @Test
    void replayedHeaders_dropWhatDeadLetteringAdded() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("im.dlq", 0, 4, "peer/a,b", new byte[0]);
        for (String name : new String[]{"im-type", "traceparent", "im-error", "im-error-detail", "im-origin-topic",
                "im-origin-partition", "im-origin-offset", "im-dead-lettered-by"}) {
            record.headers().add(name, name.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(DlqCommand.originalHeaders(record)).extracting(Header::key).containsExactly("im-type", "traceparent");
    }

    @Test
    void preview_escapesControlCharacters_andCutsLongValues() {
        assertThat(DlqCommand.preview("a\u0000b\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("a\\u0000b\\u000a");
        assertThat(DlqCommand.preview("x".repeat(400).getBytes(StandardCharsets.UTF_8))).endsWith("… (400 bytes)");
        assertThat(DlqCommand.preview(null)).isEqualTo("(null)");
    }
}
