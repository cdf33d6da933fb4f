import type { Conversation, Message } from './types.js';
import { conversationKey } from './util.js';

/** A page of stored messages, in ascending orderKey order. */
export interface Page {
  messages: Message[];
  hasMore: boolean;
}

export interface SequencerDeps {
  /** Stored messages with orderKey greater than `after`, oldest first. */
  fetchAfter(conversation: Conversation, after: number, limit: number): Promise<Page>;
  /** The newest stored messages (before `before` when given), oldest first. */
  fetchLatest(conversation: Conversation, limit: number, before?: number): Promise<Page>;
  /** Hands messages to the app: called in orderKey order per conversation, never twice for one message. */
  deliver(conversation: Conversation, messages: Message[]): void;
  /** Whether this client sent the message itself (its clientMsgId): such messages are known, never delivered. */
  isOwnLocal(message: Message): boolean;
  /** A gap that history could not fill after the retries (the buffered messages are delivered anyway). */
  onGapUnresolved(conversation: Conversation, fromOrderKey: number, toOrderKey: number): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface SequencerOptions {
  pageSize: number;
  /** How often a gap is synced again while history has not stored the missing message yet. */
  gapRetries: number;
  gapRetryDelayMs: number;
  /** At most this many pages are read back for a conversation that is new to this client during a catch-up. */
  maxCatchUpPages: number;
}

interface Stream {
  conversation: Conversation;
  /** Every message of the conversation up to this orderKey has been delivered or is known; null: no baseline yet. */
  floor: number | null;
  /** orderKeys above the floor that are known: this client's own acked sends. */
  known: Set<number>;
  /** Messages that arrived after a gap, waiting for it to be filled (by orderKey). */
  buffer: Map<number, Message>;
  syncing: Promise<void> | null;
  again: boolean;
  gapAttempts: number;
  retryTimer: unknown;
}

const DEFAULTS: SequencerOptions = { pageSize: 100, gapRetries: 6, gapRetryDelayMs: 500, maxCatchUpPages: 5 };

/**
 * Puts the stored (reliable) messages of each conversation in order, without duplicates and without holes: a message
 * whose `prevOrderKey` this client does not hold reveals a gap, which is filled from history before anything after it
 * is handed over. A conversation's baseline comes from the conversation list, the first message seen, or a catch-up.
 */
export class Sequencer {
  private readonly streams = new Map<string, Stream>();
  private readonly delivered = new Set<string>();
  private readonly deliveredOrder: string[] = [];
  private readonly options: SequencerOptions;

  constructor(
    private readonly deps: SequencerDeps,
    options: Partial<SequencerOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  has(conversation: Conversation): boolean {
    const stream = this.streams.get(conversationKey(conversation));
    return stream !== undefined && stream.floor !== null;
  }

  /** The orderKey up to which the conversation is complete here, or undefined. */
  floorOf(conversation: Conversation): number | undefined {
    const stream = this.streams.get(conversationKey(conversation));
    if (!stream || stream.floor === null) {
      return undefined;
    }
    return Math.max(stream.floor, ...stream.known);
  }

  /** Sets the baseline of a conversation this client has no position in yet (from the conversation list). */
  baseline(conversation: Conversation, orderKey: number | undefined): void {
    const stream = this.stream(conversation);
    if (stream.floor === null && orderKey !== undefined) {
      stream.floor = orderKey;
      this.prune(stream);
    }
  }

  /** Forgets a conversation (a room entered again starts from its next message). */
  reset(conversation: Conversation): void {
    const stream = this.streams.get(conversationKey(conversation));
    if (stream) {
      this.deps.clearTimer(stream.retryTimer);
      this.streams.delete(conversationKey(conversation));
    }
  }

  /** This client's own send was acked with this orderKey: it is known, and may be the predecessor of what comes next. */
  ownAck(conversation: Conversation, orderKey: number): void {
    const stream = this.stream(conversation);
    if (stream.floor === null || orderKey > stream.floor) {
      stream.known.add(orderKey);
    }
    this.drain(stream);
  }

  /** Messages pushed by the server for one conversation (any order; duplicates allowed). */
  push(conversation: Conversation, messages: Message[]): void {
    const stream = this.stream(conversation);
    const out: Message[] = [];
    let gap = false;
    for (const message of [...messages].sort(byOrderKey)) {
      if (this.isDuplicate(stream, message)) {
        continue;
      }
      if (stream.floor === null) {
        this.accept(stream, message, out, true);
        continue;
      }
      const unknownPrev = message.prevOrderKey === null || message.prevOrderKey === undefined;
      if (stream.syncing === null && stream.buffer.size === 0 && !unknownPrev && this.follows(stream, message)) {
        this.accept(stream, message, out, false);
        continue;
      }
      // a gap, or routing did not know the predecessor (it restarted): history decides what came before
      stream.buffer.set(message.orderKey!, message);
      gap = true;
    }
    this.flush(stream, out);
    if (gap || stream.buffer.size > 0) {
      void this.sync(conversation).catch(() => undefined);
    }
  }

  /**
   * Reads history after the conversation's floor and delivers what this client has not seen, then whatever waited in
   * the buffer. Concurrent calls share one run (and ask for one more pass when something arrived meanwhile).
   */
  sync(conversation: Conversation): Promise<void> {
    const stream = this.stream(conversation);
    if (stream.syncing) {
      stream.again = true;
      return stream.syncing;
    }
    stream.syncing = this.runSync(stream)
      .catch((error: unknown) => {
        if (stream.buffer.size > 0) {
          // history unreachable: messages wait in the buffer; try again, and deliver them after the last try
          this.retryGap(stream);
        }
        throw error;
      })
      .finally(() => {
        stream.syncing = null;
      });
    return stream.syncing;
  }

  /**
   * Catch-up of a conversation this client holds no position in: delivers the stored messages sent at or after
   * `sinceTimestamp` (server ms), oldest first, and takes the newest as the baseline.
   */
  async catchUpNew(conversation: Conversation, sinceTimestamp: number): Promise<void> {
    const stream = this.stream(conversation);
    if (stream.floor !== null) {
      return this.sync(conversation);
    }
    const collected: Message[] = [];
    let before: number | undefined;
    for (let page = 0; page < this.options.maxCatchUpPages; page++) {
      const result = await this.deps.fetchLatest(conversation, this.options.pageSize, before);
      if (result.messages.length === 0) {
        break;
      }
      const recent = result.messages.filter((m) => (m.timestamp ?? 0) >= sinceTimestamp);
      collected.unshift(...recent);
      if (recent.length < result.messages.length || !result.hasMore) {
        break;
      }
      before = result.messages[0]!.orderKey;
    }
    if (stream.floor !== null) {
      // a push arrived meanwhile and set the baseline: fill from there instead
      return this.sync(conversation);
    }
    const out: Message[] = [];
    for (const message of collected) {
      if (!this.isDuplicate(stream, message)) {
        this.accept(stream, message, out, true);
      }
    }
    this.flush(stream, out);
    this.drain(stream);
  }

  private async runSync(stream: Stream): Promise<void> {
    do {
      stream.again = false;
      if (stream.floor === null) {
        return;
      }
      let hasMore = true;
      while (hasMore) {
        const page = await this.deps.fetchAfter(stream.conversation, stream.floor!, this.options.pageSize);
        const out: Message[] = [];
        for (const message of page.messages) {
          if (this.isDuplicate(stream, message)) {
            continue;
          }
          // history holds the whole chain: what it answers after the floor is contiguous by construction
          this.accept(stream, message, out, true);
        }
        for (const key of [...stream.buffer.keys()]) {
          if (key <= stream.floor!) {
            stream.buffer.delete(key);
          }
        }
        this.flush(stream, out);
        hasMore = page.hasMore && page.messages.length > 0;
      }
      this.drain(stream);
    } while (stream.again);
    if (stream.buffer.size > 0) {
      this.retryGap(stream);
    } else {
      stream.gapAttempts = 0;
    }
  }

  /** History has not stored the missing message yet (it consumes Kafka on its own): try again, then give up on it. */
  private retryGap(stream: Stream): void {
    stream.gapAttempts++;
    if (stream.gapAttempts > this.options.gapRetries) {
      const first = Math.min(...stream.buffer.keys());
      const missingFrom = stream.floor ?? 0;
      this.deps.onGapUnresolved(stream.conversation, missingFrom, first);
      const out: Message[] = [];
      for (const message of [...stream.buffer.values()].sort(byOrderKey)) {
        this.accept(stream, message, out, true);
      }
      stream.buffer.clear();
      stream.gapAttempts = 0;
      this.flush(stream, out);
      return;
    }
    this.deps.clearTimer(stream.retryTimer);
    stream.retryTimer = this.deps.setTimer(() => {
      stream.retryTimer = undefined;
      void this.sync(stream.conversation).catch(() => undefined);
    }, this.options.gapRetryDelayMs * stream.gapAttempts);
  }

  /** Delivers buffered messages that now follow the floor. */
  private drain(stream: Stream): void {
    if (stream.buffer.size === 0 || stream.floor === null) {
      return;
    }
    const out: Message[] = [];
    for (const message of [...stream.buffer.values()].sort(byOrderKey)) {
      if (this.isDuplicate(stream, message)) {
        stream.buffer.delete(message.orderKey!);
        continue;
      }
      if (!this.follows(stream, message)) {
        break;
      }
      stream.buffer.delete(message.orderKey!);
      this.accept(stream, message, out, false);
    }
    this.flush(stream, out);
  }

  private follows(stream: Stream, message: Message): boolean {
    const prev = message.prevOrderKey;
    return prev === null || prev === undefined || prev <= stream.floor! || stream.known.has(prev);
  }

  private isDuplicate(stream: Stream, message: Message): boolean {
    if (message.messageId && this.delivered.has(message.messageId)) {
      return true;
    }
    const key = message.orderKey;
    if (key === undefined) {
      return false;
    }
    return (stream.floor !== null && key <= stream.floor) || stream.known.has(key);
  }

  /** Takes a message into the chain: the floor moves to it; it is delivered unless this client sent it. */
  private accept(stream: Stream, message: Message, out: Message[], trusted: boolean): void {
    const key = message.orderKey!;
    if (trusted || stream.floor === null || this.follows(stream, message)) {
      stream.floor = stream.floor === null ? key : Math.max(stream.floor, key);
    }
    this.prune(stream);
    if (this.deps.isOwnLocal(message)) {
      return;
    }
    if (message.messageId) {
      this.remember(message.messageId);
    }
    out.push(message);
  }

  private prune(stream: Stream): void {
    for (const key of stream.known) {
      if (stream.floor !== null && key <= stream.floor) {
        stream.known.delete(key);
      }
    }
  }

  private flush(stream: Stream, out: Message[]): void {
    if (out.length > 0) {
      this.deps.deliver(stream.conversation, out);
    }
  }

  private remember(messageId: string): void {
    this.delivered.add(messageId);
    this.deliveredOrder.push(messageId);
    if (this.deliveredOrder.length > 20_000) {
      for (const old of this.deliveredOrder.splice(0, 5_000)) {
        this.delivered.delete(old);
      }
    }
  }

  private stream(conversation: Conversation): Stream {
    const key = conversationKey(conversation);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = {
        conversation: { type: conversation.type, id: conversation.id },
        floor: null,
        known: new Set(),
        buffer: new Map(),
        syncing: null,
        again: false,
        gapAttempts: 0,
        retryTimer: undefined,
      };
      this.streams.set(key, stream);
    }
    return stream;
  }

  clear(): void {
    for (const stream of this.streams.values()) {
      this.deps.clearTimer(stream.retryTimer);
    }
    this.streams.clear();
    this.delivered.clear();
    this.deliveredOrder.length = 0;
  }
}

function byOrderKey(a: Message, b: Message): number {
  return (a.orderKey ?? 0) - (b.orderKey ?? 0);
}
