package im.protocol;

/** Delivery class of a message type: decides its topic and its guarantees (ARCHITECTURE.md, delivery semantics). */
public enum MessageClass {
    /** Stored, acked after acks=all, synced after reconnect. */
    RELIABLE(Topics.MESSAGES_RELIABLE),
    /** Online only, never stored. */
    SIGNAL(Topics.MESSAGES_SIGNAL),
    /** Room barrage: best effort, first to drop under load. */
    BARRAGE(Topics.MESSAGES_BARRAGE);

    private final String topic;

    MessageClass(String topic) {
        this.topic = topic;
    }

    /** The Kafka topic that carries this class. */
    public String topic() {
        return topic;
    }
}
