import type { Clock, Frame } from './connection.js';
import { IMError, RETRYABLE_CODES } from './errors.js';
import type { Message } from './types.js';
import { backoffDelay } from './util.js';

/** One send this client owes the server. */
export interface OutboxEntry {
  message: Message;
  /** The `send` frame without its request id (a resend gets a new id and the same clientMsgId). */
  frame: Frame;
  deadline: number;
  resolve(message: Message): void;
  reject(error: IMError): void;
  /** Counted against the client-side rate (every type but barrage). */
  rated: boolean;
  requestId?: string;
  attempts: number;
  notBefore: number;
  timer: unknown;
}

export interface OutboxDeps {
  clock: Clock;
  isConnected(): boolean;
  send(frame: Frame): boolean;
  nextRequestId(): string;
  onAcked(entry: OutboxEntry, ack: Frame): void;
  onFailed(entry: OutboxEntry, error: IMError): void;
  /** Sends per second (the server's per-user limit); 0: no client-side pacing. */
  ratePerSecond: number;
}

/**
 * Sends that are not acked yet, in the order they were made. They survive a lost connection: whatever was in flight
 * goes out again on the next socket with the same clientMsgId, and the server answers a retry with the first ack, so
 * exactly one copy exists. A send fails only when the server refuses it for good or its timeout passes.
 */
export class Outbox {
  private readonly entries: OutboxEntry[] = [];
  private readonly byRequest = new Map<string, OutboxEntry>();
  private tokens: number;
  private lastRefill: number;
  private flushTimer: unknown = null;

  constructor(private readonly deps: OutboxDeps) {
    this.tokens = Math.max(1, deps.ratePerSecond);
    this.lastRefill = deps.clock.now();
  }

  get size(): number {
    return this.entries.length;
  }

  /** The messages still waiting for their ack, oldest first. */
  pending(): Message[] {
    return this.entries.map((e) => e.message);
  }

  add(entry: OutboxEntry): void {
    this.entries.push(entry);
    const wait = Math.max(0, entry.deadline - this.deps.clock.now());
    entry.timer = this.deps.clock.setTimeout(() => this.expire(entry), wait);
    this.flush();
  }

  /** Writes every entry that is due, oldest first, as fast as the rate allows. Called again when the socket is back. */
  flush(): void {
    this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.deps.isConnected()) {
      return;
    }
    const now = this.deps.clock.now();
    this.refill(now);
    let nextWake = Number.POSITIVE_INFINITY;
    for (const entry of this.entries) {
      if (entry.requestId !== undefined) {
        continue;
      }
      if (entry.notBefore > now) {
        nextWake = Math.min(nextWake, entry.notBefore);
        continue;
      }
      if (entry.rated && this.deps.ratePerSecond > 0) {
        if (this.tokens < 1) {
          nextWake = Math.min(nextWake, now + Math.ceil(((1 - this.tokens) * 1000) / this.deps.ratePerSecond));
          break;
        }
        this.tokens -= 1;
      }
      const id = this.deps.nextRequestId();
      if (!this.deps.send({ ...entry.frame, id })) {
        return;
      }
      entry.requestId = id;
      entry.attempts++;
      this.byRequest.set(id, entry);
    }
    if (Number.isFinite(nextWake)) {
      this.flushTimer = this.deps.clock.setTimeout(() => this.flush(), Math.max(1, nextWake - now));
    }
  }

  /** An ack for one of the outbox's requests; false when the id is not the outbox's. */
  handleAck(ack: Frame): boolean {
    const id = ack.id;
    if (typeof id !== 'string') {
      return false;
    }
    const entry = this.byRequest.get(id);
    if (!entry) {
      return false;
    }
    this.byRequest.delete(id);
    entry.requestId = undefined;
    if (!this.entries.includes(entry)) {
      return true;
    }
    if (ack.status === 'success') {
      this.remove(entry);
      this.deps.onAcked(entry, ack);
      this.flush();
      return true;
    }
    const error = (ack.error ?? {}) as { code?: string; message?: string };
    const code = error.code ?? 'INTERNAL';
    if (RETRYABLE_CODES.has(code)) {
      entry.notBefore = this.deps.clock.now() + backoffDelay(entry.attempts, 500, 8_000);
      this.flush();
      return true;
    }
    this.remove(entry);
    this.deps.onFailed(entry, new IMError(code, error.message));
    this.flush();
    return true;
  }

  /** The socket is gone: acks for what was in flight will never come; those entries are written again later. */
  onSocketLost(): void {
    for (const entry of this.entries) {
      entry.requestId = undefined;
    }
    this.byRequest.clear();
    this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Fails every entry (logout). */
  failAll(error: IMError): void {
    for (const entry of [...this.entries]) {
      this.remove(entry);
      this.deps.onFailed(entry, error);
    }
  }

  private expire(entry: OutboxEntry): void {
    if (!this.entries.includes(entry)) {
      return;
    }
    this.remove(entry);
    this.deps.onFailed(entry, new IMError('TIMEOUT', 'no ack before the send timeout; resendMessage keeps its clientMsgId'));
  }

  private remove(entry: OutboxEntry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) {
      this.entries.splice(index, 1);
    }
    if (entry.requestId !== undefined) {
      this.byRequest.delete(entry.requestId);
    }
    this.deps.clock.clearTimeout(entry.timer);
  }

  private refill(now: number): void {
    if (this.deps.ratePerSecond <= 0) {
      return;
    }
    const elapsed = Math.max(0, now - this.lastRefill);
    this.tokens = Math.min(this.deps.ratePerSecond, this.tokens + (elapsed * this.deps.ratePerSecond) / 1000);
    this.lastRefill = now;
  }
}
