package im.gateway.rest;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;

import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * An upload body as the proxy reads it, measured: over every window it must have delivered {@code minBytesPerSecond}
 * times the window, or it fails with {@code INVALID_REQUEST}, which makes the proxy reset its request to media-service
 * and answer the client (a trickling or stalled body cannot hold an upload connection for long). Windows in which the
 * proxy itself paused the body (waiting for a connection, or for media-service to take what it has) do not count.
 * Runs on the request's event loop.
 */
final class UploadRateWatch implements ReadStream<Buffer> {
    private final ReadStream<Buffer> source;
    private final Vertx vertx;
    private final HttpServerResponse response;
    private final long minBytesPerWindow;
    private final long windowSeconds;
    private final long timer;
    private Handler<Throwable> exceptionHandler;
    private long bytesInWindow;
    private boolean paused = true; // the proxy pauses the request before it hands the body over
    private boolean pausedInWindow = true;
    private boolean done;
    private ProtocolException tripped;

    UploadRateWatch(ReadStream<Buffer> source, Vertx vertx, HttpServerResponse response, int minBytesPerSecond,
            long windowMillis) {
        this.source = source;
        this.vertx = vertx;
        this.response = response;
        this.windowSeconds = Math.max(1, windowMillis / 1000);
        this.minBytesPerWindow = (long) minBytesPerSecond * windowMillis / 1000;
        this.timer = vertx.setPeriodic(Math.max(1, windowMillis), id -> check());
    }

    /** The refusal when the body was cut off for being too slow, else null. */
    ProtocolException tripped() {
        return tripped;
    }

    private void check() {
        if (done || response.ended() || response.closed()) {
            stop();
            return;
        }
        if (!pausedInWindow && bytesInWindow < minBytesPerWindow) {
            tripped = new ProtocolException(ErrorCode.INVALID_REQUEST,
                    "the upload body arrived slower than " + minBytesPerWindow / windowSeconds + " bytes/s over "
                            + windowSeconds + " s and was cut off");
            stop();
            if (exceptionHandler != null) {
                exceptionHandler.handle(tripped);
            }
            return;
        }
        bytesInWindow = 0;
        pausedInWindow = paused;
    }

    private void stop() {
        done = true;
        vertx.cancelTimer(timer);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        exceptionHandler = handler;
        source.exceptionHandler(handler == null ? null : failure -> {
            stop();
            handler.handle(failure);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        source.handler(handler == null ? null : chunk -> {
            bytesInWindow += chunk.length();
            if (tripped == null) {
                handler.handle(chunk);
            }
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        paused = true;
        pausedInWindow = true;
        source.pause();
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        paused = false;
        source.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        paused = false;
        source.fetch(amount);
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
        source.endHandler(handler == null ? null : v -> {
            stop();
            handler.handle(v);
        });
        return this;
    }
}
