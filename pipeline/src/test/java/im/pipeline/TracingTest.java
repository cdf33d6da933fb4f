package im.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

class TracingTest {
    private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String W3C = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]";

    private final Tracing tracing = Tracing.propagationOnly();

    @Test
    void aClientsTraceparentIsContinuedUnchangedWithoutTheSdk() {
        Span span = tracing.start("publish t", SpanKind.PRODUCER, tracing.parent(PARENT));
        assertThat(new String(tracing.traceparent(span), StandardCharsets.UTF_8)).isEqualTo(PARENT);
    }

    @Test
    void withNothingToContinueANewTraceStartsWithFreshIds() {
        Span first = tracing.start("publish t", SpanKind.PRODUCER, tracing.parent(null));
        Span second = tracing.start("publish t", SpanKind.PRODUCER, Context.root());
        String a = new String(tracing.traceparent(first), StandardCharsets.UTF_8);
        String b = new String(tracing.traceparent(second), StandardCharsets.UTF_8);
        assertThat(a).matches(W3C);
        assertThat(b).matches(W3C);
        assertThat(a.substring(3, 35)).isNotEqualTo(b.substring(3, 35));
    }

    @Test
    void malformedOrHostileValuesStartANewTraceInsteadOfFailing() {
        for (String junk : new String[]{"", "00-zz-yy-01", "00-" + "0".repeat(32) + "-" + "0".repeat(16) + "-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\u0000", "x".repeat(10_000)}) {
            Span span = tracing.start("publish t", SpanKind.PRODUCER, tracing.parent(junk));
            String value = new String(tracing.traceparent(span), StandardCharsets.UTF_8);
            assertThat(value).matches(W3C);
            assertThat(value).isNotEqualTo(PARENT);
        }
    }

    @Test
    void aRecordsContextGoesOnToTheRecordsItCauses() {
        RecordHeaders consumed = new RecordHeaders();
        consumed.add("traceparent", PARENT.getBytes(StandardCharsets.UTF_8));
        Span span = tracing.start("route t", SpanKind.CONSUMER, tracing.extract(consumed));
        RecordHeaders written = new RecordHeaders();
        written.add("traceparent", "stale".getBytes(StandardCharsets.UTF_8));
        tracing.inject(span, written);
        assertThat(written.headers("traceparent")).hasSize(1);
        assertThat(new String(written.lastHeader("traceparent").value(), StandardCharsets.UTF_8)).isEqualTo(PARENT);
        // a record without one: a new trace, not a failure
        assertThat(tracing.extract(new RecordHeaders())).isEqualTo(Context.root());
    }

    @Test
    void theCurrentSpanWinsOverAHeaderTheClientSent() {
        Span current = tracing.start("server", SpanKind.SERVER, Context.root());
        try (Scope scope = current.makeCurrent()) {
            Span span = tracing.start("publish t", SpanKind.PRODUCER, tracing.parent(PARENT));
            assertThat(tracing.traceparent(span)).isEqualTo(tracing.traceparent(current));
        }
    }
}
