package im.history.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;

import im.history.config.HistoryConfig;
import im.history.persistence.BatchWriter;
import im.history.persistence.Migrations;
import im.protocol.ConversationKey;
import im.protocol.Envelope;
import im.protocol.JsonCodec;
import im.protocol.MessageClass;
import im.protocol.MessageRules;
import im.protocol.ProtocolException;

/**
 * Consumes {@code im.messages.reliable} in its own group ({@code history}) in batches and stores every reliable type.
 * Records that fail the contract's checks are skipped here (routing dead-letters them); a batch that PostgreSQL refuses
 * is retried with backoff until it is stored, so an acknowledged message is never lost and the consumer never dies.
 */
@ApplicationScoped
public class MessageStore {
    private static final Logger LOG = Logger.getLogger(MessageStore.class);

    @Inject
    BatchWriter writer;

    @Inject
    Migrations migrations;

    @Inject
    HistoryConfig config;

    @Inject
    MeterRegistry metrics;

    @Incoming("reliable")
    @Blocking
    public void store(ConsumerRecords<String, String> records) throws InterruptedException {
        migrations.ready().join();
        List<BatchWriter.Stamped> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, String> record : records) {
            try {
                Envelope envelope = JsonCodec.decode(record.value(), Envelope.class);
                ConversationKey key = MessageRules.checkEnvelope(envelope);
                if (envelope.action() != null || envelope.message().type().messageClass() == MessageClass.RELIABLE) {
                    batch.add(new BatchWriter.Stamped(envelope, key, record.offset()));
                }
            } catch (ProtocolException e) {
                metrics.counter("im.history.skipped", "code", e.code().name()).increment();
            }
        }
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                int stored = writer.write(batch);
                metrics.counter("im.history.stored").increment(stored);
                return;
            } catch (RuntimeException e) {
                LOG.warnf("batch of %d not stored, retrying in %s: %s", batch.size(), backoff, e.toString());
                metrics.counter("im.history.store.retries").increment();
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(config.maxRetryBackoff()) > 0
                        ? config.maxRetryBackoff()
                        : backoff.multipliedBy(2);
            }
        }
    }
}
