package im.media.rest;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import im.edge.BearerTokens;
import im.edge.moderation.ContentCheck;
import im.media.config.MediaConfig;
import im.media.service.MediaService;
import im.media.service.UploadLimits;
import im.media.storage.Stores;
import im.protocol.ErrorCode;
import im.protocol.JsonCodec;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * {@code POST /v1/media} on the Vert.x router, not Quarkus REST: REST multipart buffers the whole body before user code
 * runs. Here the file part streams to {@code storage-dir/tmp} with back-pressure while its bytes are counted, and the
 * upload is cut off the moment it passes its type's limit (or the 100 MB ceiling while the type is not known yet).
 * Everything blocking ({@link MediaService#ingest}) runs on a worker thread.
 * <p>
 * What the headers decide is decided before a byte of the body is read: the token ({@code UNAUTHORIZED}), the query's
 * type, a declared length beyond the limit and the per-user limits ({@link UploadLimits}, {@code RATE_LIMITED}). Every
 * refusal is answered at once; the connection is then closed after at most {@code refusal-linger}.
 */
@ApplicationScoped
public class UploadRoute {
    private static final Logger LOG = Logger.getLogger(UploadRoute.class);
    /** Largest upload of any type: the cut-off while the type is not known yet. */
    static final long CEILING = Math.max(MessageType.FILE.maxBytes(), MessageType.VIDEO.maxBytes());
    /** Room for multipart boundaries, part headers and small form fields around the file in a {@code Content-Length}. */
    static final long MULTIPART_SLACK = 64 * 1024;

    private final Vertx vertx;
    private final BearerTokens tokens;
    private final MediaService service;
    private final Stores stores;
    private final UploadLimits limits;
    private final MediaConfig.Uploads config;
    private final ContentCheck contentCheck;

    UploadRoute(Vertx vertx, BearerTokens tokens, MediaService service, Stores stores, UploadLimits limits,
            MediaConfig config, ContentCheck contentCheck) {
        this.vertx = vertx;
        this.tokens = tokens;
        this.service = service;
        this.stores = stores;
        this.limits = limits;
        this.config = config.uploads();
        this.contentCheck = contentCheck;
    }

    void init(@Observes Router router) {
        router.post("/v1/media").handler(this::upload);
    }

    private void upload(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        MessageType queryType = null;
        try {
            String owner = tokens.userOf(request.getHeader(HttpHeaders.AUTHORIZATION));
            String typeParam = Params.query(request, "type");
            if (typeParam != null) {
                queryType = parseType(typeParam);
            }
            long limit = queryType != null ? queryType.maxBytes() : CEILING;
            String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (contentLength != null && parseLength(contentLength) > limit + MULTIPART_SLACK) {
                throw queryType != null ? tooLarge(queryType) : tooLarge(MessageType.FILE);
            }
            String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
                throw new ProtocolException(ErrorCode.INVALID_REQUEST,
                        "upload as multipart/form-data with a part named file and a field type");
            }
            UploadLimits.Slot slot = limits.admit(owner);
            new Upload(ctx, owner, queryType, slot).start();
        } catch (ProtocolException e) {
            service.refused(queryType, e.code().name());
            refuse(ctx, e);
        }
    }

    /** Answers now; if body bytes may still come, they are dropped for at most {@code refusal-linger}, then the connection closes. */
    private void refuse(RoutingContext ctx, ProtocolException refusal) {
        if (ctx.request().isEnded()) {
            Responses.refuse(ctx, refusal);
        } else {
            Responses.refuseAndClose(ctx, refusal, config.refusalLinger());
        }
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "malformed Content-Length");
        }
    }

    static MessageType parseType(String value) {
        for (MessageType type : MessageType.values()) {
            if (type.isMedia() && type.wireName().equals(value)) {
                return type;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_REQUEST, "type must be image, file, audio or video");
    }

    private static ProtocolException tooLarge(MessageType type) {
        return new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                type.wireName() + " uploads may be at most " + type.maxBytes() + " bytes");
    }

    /** One upload in flight: its temp file, byte count and the end of the request, on the request's event loop. */
    private final class Upload {
        private final RoutingContext ctx;
        private final HttpServerRequest request;
        private final String owner;
        private final UploadLimits.Slot slot;
        private MessageType type;
        private long limit;
        private boolean sawFile;
        private boolean finished;
        private boolean requestEnded;
        private boolean fileClosed;
        private boolean opening;
        private boolean closing;
        private AsyncFile file;
        private Path tempPath;
        private String fileName;
        private long bytes;
        private boolean ingesting;
        private long lastActivity = System.nanoTime();
        private long watchdog = -1;

        Upload(RoutingContext ctx, String owner, MessageType queryType, UploadLimits.Slot slot) {
            this.ctx = ctx;
            this.request = ctx.request();
            this.owner = owner;
            this.slot = slot;
            this.type = queryType;
            this.limit = queryType != null ? queryType.maxBytes() : CEILING;
        }

        void start() {
            request.setExpectMultipart(true);
            request.uploadHandler(this::onFile);
            request.exceptionHandler(this::abort);
            // the answer sent or the connection gone: the user's slot is free unless a worker still processes the upload
            ctx.addEndHandler(ended -> {
                stopWatchdog();
                if (ended.failed()) {
                    abort(ended.cause());
                }
                if (!ingesting) {
                    slot.release();
                }
            });
            Duration idle = config.idleTimeout();
            long idleNanos = idle.toNanos();
            watchdog = vertx.setPeriodic(Math.max(100, idle.toMillis() / 4), id -> {
                if (finished || requestEnded) {
                    stopWatchdog();
                } else if (System.nanoTime() - lastActivity > idleNanos) {
                    fail(new ProtocolException(ErrorCode.INVALID_REQUEST,
                            "the upload stalled: no bytes for " + idle.toSeconds() + " s"));
                }
            });
            request.endHandler(v -> {
                requestEnded = true;
                stopWatchdog();
                if (!finished && !sawFile) {
                    fail(new ProtocolException(ErrorCode.INVALID_REQUEST, "a multipart part named file is required"));
                } else {
                    proceed();
                }
            });
            request.resume();
        }

        private void onFile(HttpServerFileUpload upload) {
            if (finished) {
                return;
            }
            if (!"file".equals(upload.name()) || sawFile) {
                fail(new ProtocolException(ErrorCode.INVALID_REQUEST, "exactly one file part, named file, is expected"));
                return;
            }
            sawFile = true;
            fileName = upload.filename();
            try {
                contentCheck.requireClean(fileName); // the word list, before a byte of the file is stored
            } catch (ProtocolException e) {
                fail(e);
                return;
            }
            if (!resolveType()) {
                return;
            }
            upload.pause();
            opening = true;
            tempPath = stores.tempDir().resolve(UUID.randomUUID() + ".part");
            vertx.fileSystem().open(tempPath.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
                    .onComplete(opened -> {
                        opening = false;
                        if (opened.failed()) {
                            LOG.errorf("cannot open %s: %s", tempPath, opened.cause().getMessage());
                            fail(new ProtocolException(ErrorCode.UNAVAILABLE, "the upload cannot be stored now"));
                            return;
                        }
                        file = opened.result();
                        current = upload;
                        if (finished) {
                            discard();
                            return;
                        }
                        upload.handler(this::onChunk);
                        upload.exceptionHandler(this::abort);
                        upload.endHandler(v -> {
                            if (!finished) {
                                closing = true;
                                file.close().onComplete(closed -> {
                                    closing = false;
                                    if (closed.failed()) {
                                        fail(new ProtocolException(ErrorCode.UNAVAILABLE, "the upload cannot be stored now"));
                                    } else {
                                        fileClosed = true;
                                        proceed();
                                    }
                                });
                            }
                        });
                        upload.resume();
                    });
        }

        private HttpServerFileUpload current;

        /**
         * Takes the type from the form field once the decoder has it: a field before the file part shows up within the
         * first chunks of the file (Netty adds attributes after the chunk that completes them), so its limit applies
         * mid-stream; a field after the file part is known only at the end. False when the field is invalid (refused).
         */
        private boolean resolveType() {
            if (type != null) {
                return true;
            }
            String formType = request.getFormAttribute("type");
            if (formType == null) {
                return true;
            }
            try {
                type = parseType(formType);
            } catch (ProtocolException e) {
                fail(e);
                return false;
            }
            limit = type.maxBytes();
            if (bytes > limit) {
                fail(tooLarge(type));
                return false;
            }
            return true;
        }

        private void stopWatchdog() {
            if (watchdog >= 0) {
                vertx.cancelTimer(watchdog);
                watchdog = -1;
            }
        }

        private void onChunk(Buffer chunk) {
            lastActivity = System.nanoTime();
            if (finished) {
                return;
            }
            if (!resolveType()) {
                return;
            }
            bytes += chunk.length();
            if (bytes > limit) {
                fail(type != null ? tooLarge(type) : tooLarge(MessageType.FILE));
                return;
            }
            file.write(chunk);
            if (file.writeQueueFull()) {
                current.pause();
                file.drainHandler(v -> {
                    if (!finished) {
                        current.resume();
                    }
                });
            }
        }

        /** Both the request and the file are complete: hand over to a worker thread. */
        private void proceed() {
            if (finished || !requestEnded || !fileClosed) {
                return;
            }
            if (!resolveType()) {
                return;
            }
            finished = true;
            if (type == null) {
                discard();
                refuse(new ProtocolException(ErrorCode.INVALID_REQUEST, "type (image, file, audio or video) is required"));
                return;
            }
            MessageType uploadType = type;
            String name = fileName;
            Path temp = tempPath;
            ingesting = true;
            vertx.executeBlocking(() -> service.ingest(temp, bytes, uploadType, name, owner), false)
                    .onComplete(done -> {
                        ingesting = false;
                        slot.release();
                        if (done.succeeded()) {
                            ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                    .end(JsonCodec.encode(done.result()));
                        } else {
                            Responses.refuse(ctx, done.cause());
                        }
                    });
        }

        /** Refuses while the body may still be arriving: answer, then close the connection. */
        private void fail(ProtocolException refusal) {
            if (finished) {
                return;
            }
            finished = true;
            discard();
            if (current != null) {
                current.resume(); // paused for back-pressure: keep reading (and dropping) so the answer can be read
            }
            refuse(refusal);
        }

        private void refuse(ProtocolException refusal) {
            service.refused(type, refusal.code().name());
            UploadRoute.this.refuse(ctx, refusal);
        }

        /** The client went away or the stream broke: nothing to answer, only to clean. */
        private void abort(Throwable cause) {
            if (finished) {
                return;
            }
            finished = true;
            service.refused(type, "aborted");
            discard();
        }

        /** Closes and deletes the temp file, whatever state it is in. */
        private void discard() {
            if (opening || tempPath == null) {
                return; // the open callback sees finished and discards
            }
            Path path = tempPath;
            tempPath = null;
            if (file != null && !fileClosed && !closing) {
                fileClosed = true;
                file.close().onComplete(closed -> delete(path));
            } else {
                delete(path);
            }
        }

        private void delete(Path path) {
            vertx.fileSystem().delete(path.toString()).onFailure(e -> {
                if (!(e instanceof NoSuchFileException)
                        && !(e.getCause() instanceof NoSuchFileException)) {
                    LOG.warnf("cannot delete %s: %s", path, e.getMessage());
                }
            });
        }
    }
}
