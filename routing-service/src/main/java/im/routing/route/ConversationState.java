package im.routing.route;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedDeque;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import im.pipeline.DedupeKey;
import im.pipeline.SendMemory;
import im.protocol.Action;
import im.protocol.Envelope;
import im.routing.config.RoutingConfig;

/**
 * What routing remembers per conversation, all bounded and expiring: the last orderKey of each stream (for
 * {@code prevOrderKey}), the clientMsgIds seen (retries through any node are dropped), the messages whose senders asked
 * for receipts, and how far each reader's receipts have been reported. A consumer that takes over a partition rebuilds it
 * by {@link #apply}ing the partition's tail before its committed offset, so a restart or a rebalance keeps the chains,
 * the dedupe and the receipt requests.
 */
public final class ConversationState {

    /** A message sent with {@code receipt: true}: its sender hears about receipts up to it. */
    public record ReceiptRequest(long orderKey, String senderId) {}

    private final RoutingConfig config;
    private final Cache<String, Long> lastOrderKey;
    /**
     * The offset of each (stream, sender, clientMsgId)'s first record, in primitive arrays: kept in objects, this table
     * was most of routing's long-lived heap under load, which its young collections paid for.
     */
    private final SendMemory seenClientMsgIds;
    private final Cache<String, ConcurrentLinkedDeque<ReceiptRequest>> receiptRequests;
    /** Per conversation, reader and kind: the orderKey up to which senders have been told. */
    private final Cache<String, Long> receiptsReported;

    public ConversationState(RoutingConfig config) {
        this.config = config;
        lastOrderKey = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations()).build();
        seenClientMsgIds = new SendMemory(config.maxTrackedConversations(), 1, config.dedupeWindow().toMillis());
        receiptRequests = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations() / 10)
                .expireAfterAccess(Duration.ofDays(1)).build();
        receiptsReported = Caffeine.newBuilder().maximumSize(config.maxTrackedConversations())
                .expireAfterAccess(Duration.ofDays(1)).build();
    }

    /**
     * Records {@code offset} as the stream's latest and returns the one before it, or null. A record seen again (after a
     * rebalance) never names itself, or a later record, as its predecessor.
     */
    public Long advance(String stream, long offset) {
        Long before = lastOrderKey.getIfPresent(stream);
        lastOrderKey.asMap().merge(stream, offset, Math::max);
        return before != null && before < offset ? before : null;
    }

    /** Whether the same sender already sent this clientMsgId in this stream (a retry through any node). */
    public boolean isRetry(Envelope envelope, String stream, long offset) {
        if (envelope.clientMsgId() == null) {
            return false;
        }
        long[] first = seenClientMsgIds.putIfAbsent(DedupeKey.of(stream, envelope.sender().id(), envelope.clientMsgId()),
                offset);
        return first != null && first[0] != offset;
    }

    /** The sender of the message at {@code orderKey} asked for receipts (bounded: the oldest requests give way). */
    public void requestReceipts(String conversationKey, long orderKey, String senderId) {
        ConcurrentLinkedDeque<ReceiptRequest> requests = receiptRequests.get(conversationKey,
                k -> new ConcurrentLinkedDeque<>());
        requests.add(new ReceiptRequest(orderKey, senderId));
        while (requests.size() > config.maxReceiptRequestsPerConversation()) {
            requests.pollFirst();
        }
    }

    /**
     * The senders to tell about a receipt: every reader counts (a group has many), and a reader's receipt covers the
     * requests between the position it had already reported and this one, so each sender hears of each reader once per
     * message.
     */
    public Set<String> receiptSenders(String conversationKey, String reader, Action action) {
        ConcurrentLinkedDeque<ReceiptRequest> requests = receiptRequests.getIfPresent(conversationKey);
        String readerKey = conversationKey + '\n' + reader + '\n' + action.kind();
        Long reported = receiptsReported.getIfPresent(readerKey);
        long from = reported == null ? Long.MIN_VALUE : reported;
        if (action.orderKey() <= from) {
            return Set.of();
        }
        receiptsReported.asMap().merge(readerKey, action.orderKey(), Math::max);
        if (requests == null) {
            return Set.of();
        }
        Set<String> senders = new TreeSet<>();
        for (ReceiptRequest request : requests) {
            if (request.orderKey() > from && request.orderKey() <= action.orderKey() && !request.senderId().equals(reader)) {
                senders.add(request.senderId());
            }
        }
        return senders;
    }

    /** Replays what routing a valid record did to this state, without routing it (the tail of a partition taken over). */
    public void apply(String stream, Envelope envelope, long offset) {
        if (envelope.action() != null) {
            if (envelope.action().isReceipt()) {
                receiptSenders(envelope.conversationKey(), envelope.sender().id(), envelope.action());
            }
            return;
        }
        if (isRetry(envelope, stream, offset)) {
            return;
        }
        advance(stream, offset);
        if (Boolean.TRUE.equals(envelope.receipt())) {
            requestReceipts(envelope.conversationKey(), offset, envelope.sender().id());
        }
    }
}
