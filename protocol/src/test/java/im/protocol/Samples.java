package im.protocol;

import java.util.List;

/** Sample values of every wire type, shared by the codec and schema tests. */
final class Samples {

    private Samples() {
    }

    static Envelope envelope(String from, String to) {
        ConversationRef ref = new ConversationRef(ConversationType.PEER, to);
        return new Envelope(1, MessageIds.next(1_700_000_000_000L), "c-1", ConversationKey.of(from, ref).value(), ref,
                new Sender(from, "Alice"), 1_700_000_000_000L, Priority.MEDIUM, new Mentions(List.of(to), false), null, true,
                new Origin("gw-1", "s-1"), MessageContent.text("hello"));
    }

    static Message message() {
        return new Message(MessageIds.next(1_700_000_000_000L), "c-1", 41L, 40L, new Sender("alice", null),
                1_700_000_000_000L, Priority.LOW, null, null, MessageContent.text("hello"));
    }

    static Delivery delivery() {
        return new Delivery(1, "gw-1", "peer/alice,bob", List.of("bob", "alice"), null, "s-1", message());
    }

    static Presence nodePresence() {
        return new Presence(1, Presence.KIND_NODE, "gw-1", 0, 1_700_000_000_000L, null, null, null, 1_700_000_001_000L);
    }

    static Presence userPresence() {
        return new Presence(1, Presence.KIND_USER, "gw-1", 0, 1_700_000_000_000L, "bob", 2, List.of("r1"),
                1_700_000_001_000L);
    }

    static Presence statusPresence() {
        return Presence.status("gw-1", 0, 1_700_000_000_000L, "bob", "in a meeting ☕", 1_700_000_001_000L);
    }

    static Membership member() {
        return new Membership(1, Membership.KIND_MEMBER, "g1", "bob", null, null, 1_700_000_000_000L);
    }

    static Membership group() {
        return new Membership(1, Membership.KIND_GROUP, "g1", null, "Friends", "alice", 1_700_000_000_000L);
    }

    static Broadcast broadcast() {
        return new Broadcast(1, MessageIds.next(1_700_000_000_000L), new Sender("ops", "Operations"), 1_700_000_000_000L,
                Priority.HIGH, MessageContent.text("maintenance at 02:00"));
    }

    static Media media() {
        return new Media(Media.VERSION, MessageIds.next(1_700_000_000_000L), "alice", MessageType.AUDIO, "voice.m4a", 48_213L,
                "audio/mp4", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", null, null, 3, 2_970L,
                1_700_000_000_000L, null, null, null, null);
    }
}
