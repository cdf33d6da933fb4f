package im.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.trace.IdGenerator;

import im.protocol.RecordHeaders;

/**
 * W3C trace context on Kafka records, through OpenTelemetry: every record a service writes carries {@code traceparent},
 * continued from what caused it (an HTTP request, a WebSocket frame's {@code traceparent}, a consumed record's header).
 *
 * <p>
 * With the SDK on ({@code quarkus.otel.sdk.disabled=false}) spans are real and exported by OTLP. With it off, the
 * default, nothing is recorded or exported and the context still travels: a consumed record's {@code traceparent} is
 * passed on unchanged, and a record that starts a trace gets fresh random ids (OpenTelemetry's own generator), so an
 * operator can follow one message through every topic with nothing but Kafka's tools.
 */
@ApplicationScoped
public class Tracing {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final IdGenerator IDS = IdGenerator.random();

    private static final TextMapGetter<Headers> FROM_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            return () -> StreamSupport.stream(headers.spliterator(), false).map(Header::key).iterator();
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<Headers> TO_HEADERS = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private static final TextMapGetter<String> FROM_VALUE = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String value) {
            return List.of(RecordHeaders.TRACEPARENT);
        }

        @Override
        public String get(String value, String key) {
            return RecordHeaders.TRACEPARENT.equals(key) ? value : null;
        }
    };

    private final Tracer tracer;
    private final boolean recording;

    @Inject
    public Tracing(Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean off) {
        // "disabled", Quarkus still hands out an SDK tracer (no processors, so nothing leaves) that makes a span object
        // and fresh ids per call; the API's no-op tracer costs nothing and passes a consumed context on unchanged
        this.tracer = off ? OpenTelemetry.noop().getTracer("im") : tracer;
        this.recording = !off;
    }

    /** Context propagation without the SDK (tests and tools outside a service). */
    public static Tracing propagationOnly() {
        return new Tracing(OpenTelemetry.noop().getTracer("im"), true);
    }

    /** Whether spans are recorded (the SDK is on): per-message spans that only matter when exported check this. */
    public boolean recording() {
        return recording;
    }

    /**
     * The parent for work a client asked for: the current span when there is one (an HTTP request the SDK traces), else
     * the {@code traceparent} the client sent, else none (a new trace). A malformed value starts a new trace, as W3C asks.
     */
    public Context parent(String traceparent) {
        if (Span.current().getSpanContext().isValid() || traceparent == null) {
            return Context.current();
        }
        return W3C.extract(Context.current(), traceparent, FROM_VALUE);
    }

    /** The context a consumed record carries (none when it has no valid {@code traceparent}). */
    public Context extract(Headers headers) {
        return W3C.extract(Context.root(), headers, FROM_HEADERS);
    }

    /**
     * Starts a span under {@code parent}. Without the SDK it is the parent itself (passed on unchanged) or, with no
     * parent, a new root with fresh ids: the records written for it still carry a trace.
     */
    public Span start(String name, SpanKind kind, Context parent) {
        Span span = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent).startSpan();
        if (span.getSpanContext().isValid()) {
            return span;
        }
        return Span.wrap(SpanContext.create(IDS.generateTraceId(), IDS.generateSpanId(), TraceFlags.getDefault(),
                TraceState.getDefault()));
    }

    /** Writes the span's context on the record's headers ({@code traceparent}, and {@code tracestate} if any). */
    public void inject(Span span, Headers headers) {
        W3C.inject(Context.root().with(span), headers, TO_HEADERS);
    }

    /**
     * The span's {@code traceparent} value (W3C version 00), encoded once for many records: formatted from the span's
     * ids directly, with no carrier map or propagator on the routing path. Null for an invalid span.
     */
    public byte[] traceparent(Span span) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return null;
        }
        return ("00-" + context.getTraceId() + '-' + context.getSpanId() + '-' + context.getTraceFlags().asHex())
                .getBytes(StandardCharsets.US_ASCII);
    }
}
