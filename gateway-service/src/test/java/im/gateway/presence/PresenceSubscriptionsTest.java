package im.gateway.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

class PresenceSubscriptionsTest {

    private static final long NOW = 1_000_000;

    private final PresenceSubscriptions subscriptions = new PresenceSubscriptions(5);

    @Test
    void subscribers_areTheSessionsWatchingAUser_untilTheyUnsubscribe() {
        subscriptions.subscribe("s1", List.of("bob", "carol"), PresenceSubscriptions.NEVER, NOW);
        subscriptions.subscribe("s2", List.of("bob"), PresenceSubscriptions.NEVER, NOW);

        assertThat(subscriptions.watchers("bob", NOW)).containsExactlyInAnyOrder("s1", "s2");
        assertThat(subscriptions.watchers("carol", NOW)).containsExactly("s1");

        subscriptions.unsubscribe("s1", List.of("bob", "nobody"));

        assertThat(subscriptions.watchers("bob", NOW)).containsExactly("s2");
        assertThat(subscriptions.watchedBy("s1", NOW)).containsExactly("carol");
    }

    @Test
    void aSubscriptionWithADuration_endsWhenItExpires_andIsForgotten() {
        subscriptions.subscribe("s1", List.of("bob"), NOW + 1_000, NOW);

        assertThat(subscriptions.watchers("bob", NOW + 999)).containsExactly("s1");
        assertThat(subscriptions.watchers("bob", NOW + 1_000)).isEmpty();
        assertThat(subscriptions.expire(NOW + 1_000)).isEqualTo(1);
        assertThat(subscriptions.size()).isZero();
    }

    @Test
    void subscribingAgain_takesTheNewExpiry() {
        subscriptions.subscribe("s1", List.of("bob"), NOW + 1_000, NOW);
        subscriptions.subscribe("s1", List.of("bob"), PresenceSubscriptions.NEVER, NOW);

        assertThat(subscriptions.watchers("bob", NOW + 5_000)).containsExactly("s1");
        assertThat(subscriptions.size()).isEqualTo(1);
    }

    @Test
    void aSession_watchesAtMostTheLimit_acrossCalls_andARefusalChangesNothing() {
        subscriptions.subscribe("s1", List.of("u1", "u2", "u3"), PresenceSubscriptions.NEVER, NOW);
        subscriptions.subscribe("s1", List.of("u1", "u4"), PresenceSubscriptions.NEVER, NOW); // u1 again is no new one

        assertThatThrownBy(() -> subscriptions.subscribe("s1", List.of("u5", "u6"), PresenceSubscriptions.NEVER, NOW))
                .isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(subscriptions.watchedBy("s1", NOW)).containsExactlyInAnyOrder("u1", "u2", "u3", "u4");

        subscriptions.subscribe("s1", List.of("u5"), PresenceSubscriptions.NEVER, NOW);
        // another session has a limit of its own
        subscriptions.subscribe("s2", IntStream.range(0, 5).mapToObj(i -> "v" + i).toList(), PresenceSubscriptions.NEVER,
                NOW);
        assertThat(subscriptions.size()).isEqualTo(10);
    }

    @Test
    void expiredSubscriptions_doNotCountAgainstTheLimit() {
        subscriptions.subscribe("s1", List.of("u1", "u2", "u3", "u4", "u5"), NOW + 10, NOW);

        subscriptions.subscribe("s1", List.of("u6", "u7"), PresenceSubscriptions.NEVER, NOW + 10);

        assertThat(subscriptions.watchedBy("s1", NOW + 10)).containsExactlyInAnyOrder("u6", "u7");
    }

    @Test
    void clear_forgetsEverySubscriptionOfTheSession() {
        subscriptions.subscribe("s1", List.of("bob", "carol"), PresenceSubscriptions.NEVER, NOW);
        subscriptions.subscribe("s2", List.of("bob"), PresenceSubscriptions.NEVER, NOW);

        subscriptions.clear("s1");
        subscriptions.clear("unknown");

        assertThat(subscriptions.watchers("bob", NOW)).containsExactly("s2");
        assertThat(subscriptions.watchers("carol", NOW)).isEmpty();
        assertThat(subscriptions.size()).isEqualTo(1);
    }
}
