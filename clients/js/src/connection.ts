import { IMError } from './errors.js';
import type { ConnectionEvent, ConnectionState, ConnectionStateChangedEvent } from './types.js';
import { backoffDelay } from './util.js';

/** The part of the WebSocket API the SDK uses: the browser's WebSocket and the `ws` package both have it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => SocketLike;

/** Timers and the clock, replaceable in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ConnectionOptions {
  /** The WebSocket URL for a token. */
  url(token: string): string;
  /** The current token, or a fresh one from the app when `force` (after the server refused the last one). */
  token(force: boolean): Promise<string>;
  WebSocket: WebSocketConstructor;
  clock: Clock;
  onFrame(frame: Frame): void;
  onStateChange(event: ConnectionStateChangedEvent): void;
  /** The socket is open and the server answered a ping: sessions, resends and catch-up may start. */
  onConnected(first: boolean): void;
  /** The socket is gone (whatever the reason): in-flight sends go back to the outbox. */
  onSocketLost(): void;
  /** Any frame arrived: the link is alive now. */
  onAlive?(): void;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Give up (state `disconnected`) after this many refusals of fresh tokens in a row. */
  maxAuthFailures: number;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

export type Frame = Record<string, unknown> & { op?: string; id?: string };

interface Pending {
  resolve(frame: Frame): void;
  reject(error: IMError): void;
  timer: unknown;
}

const OPEN = 1;
/** Close code the SDK uses for a socket it abandons (dead link, connect timeout). */
const CLIENT_GONE = 4000;
/** A timer that fires this much later than planned means the machine slept (a laptop lid closed). */
const SLEEP_JUMP_MS = 5_000;

/**
 * One logical connection that outlives sockets: `connecting` until the first socket works, `connected`, `reconnecting`
 * (backoff with jitter) after any loss, `disconnected` after logout or a refusal that retrying cannot fix. A socket
 * counts as working once the server answered a ping on it; a link that stops answering pings is abandoned without
 * waiting for TCP to notice.
 */
export class Connection {
  state: ConnectionState = 'disconnected';
  private socket: SocketLike | null = null;
  private socketReady = false;
  private stopped = true;
  private everConnected = false;
  private attempt = 0;
  private authFailures = 0;
  private forceToken = false;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private watchdog: unknown = null;
  private lastTick = 0;
  private lastFrameAt = 0;
  private pingSentAt = 0;
  private pingTimeoutMs: number;
  private lastReason: string | undefined;
  private abandonEvent: ConnectionEvent | null = null;
  private readonly pending = new Map<string, Pending>();
  private requestCounter = 0;
  private loginWaiters: { resolve(): void; reject(e: IMError): void } | null = null;
  private removeBrowserHooks: (() => void) | null = null;

  constructor(private readonly o: ConnectionOptions) {
    this.pingTimeoutMs = o.pingTimeoutMs;
  }

  /** Starts connecting; resolves once connected, rejects when the server refuses this user's tokens or login times out. */
  start(loginTimeoutMs: number): Promise<void> {
    this.stopped = false;
    this.everConnected = false;
    this.attempt = 0;
    this.authFailures = 0;
    this.installBrowserHooks();
    const done = new Promise<void>((resolve, reject) => {
      this.loginWaiters = { resolve, reject };
    });
    const timer = this.o.clock.setTimeout(() => {
      if (this.loginWaiters) {
        this.fail('loginTimeout', new IMError('TIMEOUT', `not connected within ${loginTimeoutMs} ms`));
      }
    }, loginTimeoutMs);
    void done.then(
      () => this.o.clock.clearTimeout(timer),
      () => this.o.clock.clearTimeout(timer),
    );
    this.setState('connecting', 'login');
    void this.open();
    return done;
  }

  /** Closes for good (logout): state `disconnected`, nothing is retried. */
  stop(event: ConnectionEvent = 'logout', reason?: string): void {
    if (this.stopped && this.state === 'disconnected') {
      return;
    }
    this.stopped = true;
    this.clearTimers();
    this.removeBrowserHooks?.();
    this.removeBrowserHooks = null;
    const socket = this.socket;
    this.detach();
    if (socket) {
      try {
        socket.close(1000, 'logout');
      } catch {
        // already closed
      }
      this.o.onSocketLost();
    }
    this.rejectPending(new IMError('NETWORK', 'logged out'));
    this.setState('disconnected', event, undefined, reason);
  }

  isConnected(): boolean {
    return this.state === 'connected' && this.socketReady && this.socket?.readyState === OPEN;
  }

  /** Writes a frame on the live socket; false when there is none. */
  send(frame: Frame): boolean {
    if (!this.socket || this.socket.readyState !== OPEN || !this.socketReady) {
      return false;
    }
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a request and resolves with the server's answer carrying its id (`ack` or `pong`). */
  request(frame: Frame, timeoutMs: number): Promise<Frame> {
    if (!this.isConnected()) {
      return Promise.reject(new IMError('NETWORK', 'not connected'));
    }
    return this.requestOn(frame, timeoutMs);
  }

  nextRequestId(): string {
    this.requestCounter = (this.requestCounter + 1) % Number.MAX_SAFE_INTEGER;
    return `r${this.requestCounter}`;
  }

  /** Checks the link now (after a wake-up or an `offline` event): a ping that gets no answer in time drops the socket. */
  probe(timeoutMs = Math.min(this.o.pingTimeoutMs, 3_000)): void {
    if (this.isConnected() && this.pingSentAt === 0) {
      this.sendPing(timeoutMs);
    } else if (this.state === 'reconnecting') {
      this.retryNow('online');
    }
  }

  /** Skips the rest of the backoff (the network came back). */
  retryNow(event: ConnectionEvent): void {
    if (this.stopped || (this.state !== 'reconnecting' && this.state !== 'connecting')) {
      return;
    }
    if (this.socket) {
      if (this.socketReady) {
        return;
      }
      // an attempt made while the network was down may hang or fail late: start afresh
      const stale = this.socket;
      this.detach();
      try {
        stale.close(CLIENT_GONE, 'retry');
      } catch {
        // not open yet
      }
    }
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    this.setState('reconnecting', event);
    void this.open();
  }

  /** Drops the current socket as if the network had (tests and the `offline` hook use it). */
  drop(event: ConnectionEvent = 'networkError'): void {
    if (this.socket) {
      this.abandon(event);
    }
  }

  private async open(): Promise<void> {
    if (this.stopped) {
      return;
    }
    let token: string;
    try {
      token = await this.o.token(this.forceToken);
    } catch (e) {
      const error = e instanceof IMError ? e : new IMError('TOKEN_PROVIDER', (e as Error).message);
      this.o.log('warn', `tokenProvider failed: ${error.message}`);
      if (!this.everConnected && this.loginWaiters) {
        this.fail('unauthorized', error);
        return;
      }
      this.scheduleRetry('unauthorized');
      return;
    }
    if (this.stopped) {
      return;
    }
    this.forceToken = false;
    let socket: SocketLike;
    try {
      socket = new this.o.WebSocket(this.o.url(token));
    } catch (e) {
      this.o.log('warn', `cannot open a WebSocket: ${(e as Error).message}`);
      this.scheduleRetry('networkError');
      return;
    }
    this.socket = socket;
    this.socketReady = false;
    this.lastReason = undefined;
    this.abandonEvent = null;
    this.connectTimer = this.o.clock.setTimeout(() => {
      if (this.socket === socket && !this.socketReady) {
        this.o.log('info', 'connect timed out');
        this.abandon('networkError');
      }
    }, this.o.connectTimeoutMs);
    socket.onopen = () => {
      if (this.socket !== socket) {
        return;
      }
      this.lastFrameAt = this.o.clock.now();
      // the server refuses a bad token with an error frame and 4401 right after the upgrade: a pong says it took it
      this.socketReady = true;
      this.requestOn({ op: 'ping' }, this.o.connectTimeoutMs).then(
        () => {
          if (this.socket === socket) {
            this.onReady();
          }
        },
        () => undefined,
      );
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) {
        return;
      }
      this.onMessage(event.data);
    };
    socket.onerror = () => {
      // a close event follows
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) {
        return;
      }
      this.onClose(event.code, event.reason);
    };
  }

  private onReady(): void {
    this.o.clock.clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const first = !this.everConnected;
    this.everConnected = true;
    this.attempt = 0;
    this.authFailures = 0;
    this.pingSentAt = 0;
    this.startWatchdog();
    this.setState('connected', 'connected');
    const waiters = this.loginWaiters;
    this.loginWaiters = null;
    waiters?.resolve();
    this.o.onConnected(first);
  }

  private onMessage(data: unknown): void {
    this.lastFrameAt = this.o.clock.now();
    this.pingSentAt = 0;
    this.o.onAlive?.();
    const text = typeof data === 'string' ? data : String(data);
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.o.log('warn', 'unreadable frame from the server');
      return;
    }
    if (frame.op === 'closing') {
      this.lastReason = String(frame.reason ?? '');
    } else if (frame.op === 'error') {
      const error = frame.error as { code?: string } | undefined;
      this.lastReason = error?.code;
    }
    if ((frame.op === 'ack' || frame.op === 'pong') && typeof frame.id === 'string') {
      const pending = this.pending.get(frame.id);
      if (pending) {
        this.pending.delete(frame.id);
        this.o.clock.clearTimeout(pending.timer);
        pending.resolve(frame);
        return;
      }
    }
    if (frame.op === 'pong') {
      return;
    }
    this.o.onFrame(frame);
  }

  private onClose(code: number, reason: string): void {
    const serverReason = this.lastReason ?? (reason || undefined);
    this.detach();
    this.o.onSocketLost();
    this.rejectPending(new IMError('NETWORK', `connection closed (${code})`));
    if (this.stopped) {
      return;
    }
    if (code === 4401) {
      this.authFailures++;
      this.forceToken = true;
      const event: ConnectionEvent = serverReason === 'TOKEN_EXPIRED' ? 'tokenExpired' : 'unauthorized';
      if (this.authFailures >= this.o.maxAuthFailures) {
        this.fail(event, new IMError(serverReason ?? 'UNAUTHORIZED', 'the server refused the token'), code);
        return;
      }
      // an expired or refused token: fetch a fresh one at once, no backoff
      this.setState(this.everConnected ? 'reconnecting' : 'connecting', event, code, serverReason);
      void this.open();
      return;
    }
    if (code === 4409) {
      this.fail('kicked', new IMError('KICKED', 'signed in elsewhere or kicked'), code);
      return;
    }
    const event: ConnectionEvent =
      code === 4008 ? 'slowConsumer' : code === 1001 ? 'serverShutdown' : code === 1000 ? 'serverClosed' : 'networkError';
    this.scheduleRetry(event, code, serverReason);
  }

  /** Leaves a socket that does not answer: handlers off, close attempted, next attempt at once. */
  private abandon(event: ConnectionEvent): void {
    const socket = this.socket;
    this.abandonEvent = event;
    this.detach();
    if (socket) {
      try {
        socket.close(CLIENT_GONE, event);
      } catch {
        // nothing to close
      }
    }
    this.o.onSocketLost();
    this.rejectPending(new IMError('NETWORK', `connection lost (${event})`));
    if (!this.stopped) {
      this.scheduleRetry(event, undefined, undefined, event === 'pingTimeout' ? 0 : undefined);
    }
  }

  private scheduleRetry(event: ConnectionEvent, code?: number, reason?: string, delayMs?: number): void {
    if (this.stopped) {
      return;
    }
    const delay = delayMs ?? backoffDelay(this.attempt, this.o.reconnectBaseMs, this.o.reconnectMaxMs);
    this.attempt++;
    this.setState(this.everConnected ? 'reconnecting' : 'connecting', event, code, reason);
    this.o.log('debug', `next connection attempt in ${delay} ms (${event})`);
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      void this.open();
    }, delay);
  }

  private fail(event: ConnectionEvent, error: IMError, code?: number): void {
    this.stopped = true;
    this.clearTimers();
    this.removeBrowserHooks?.();
    this.removeBrowserHooks = null;
    const socket = this.socket;
    this.detach();
    if (socket) {
      try {
        socket.close(1000);
      } catch {
        // closed
      }
      this.o.onSocketLost();
    }
    this.rejectPending(error);
    this.setState('disconnected', event, code, error.code);
    const waiters = this.loginWaiters;
    this.loginWaiters = null;
    waiters?.reject(error);
  }

  private requestOn(frame: Frame, timeoutMs: number): Promise<Frame> {
    const id = frame.id ?? this.nextRequestId();
    const withId = { ...frame, id };
    return new Promise<Frame>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        if (this.pending.delete(id)) {
          reject(new IMError('TIMEOUT', `no answer to ${String(frame.op)} within ${timeoutMs} ms`));
        }
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.socket || this.socket.readyState !== OPEN) {
        this.pending.delete(id);
        this.o.clock.clearTimeout(timer);
        reject(new IMError('NETWORK', 'not connected'));
        return;
      }
      try {
        this.socket.send(JSON.stringify(withId));
      } catch (e) {
        this.pending.delete(id);
        this.o.clock.clearTimeout(timer);
        reject(new IMError('NETWORK', (e as Error).message));
      }
    });
  }

  private sendPing(timeoutMs: number): void {
    this.pingSentAt = this.o.clock.now();
    this.pingTimeoutMs = timeoutMs;
    this.requestOn({ op: 'ping' }, timeoutMs + 60_000).catch(() => undefined);
  }

  /**
   * Once a second: pings a quiet link, abandons one whose ping went unanswered, and notices a machine that slept (the
   * tick comes much later than planned), which gets an immediate check instead of a wait for the next ping.
   */
  private startWatchdog(): void {
    this.o.clock.clearTimeout(this.watchdog);
    this.lastTick = this.o.clock.now();
    const tickMs = Math.min(1_000, Math.max(50, Math.floor(this.o.pingIntervalMs / 4)));
    const tick = () => {
      if (this.stopped) {
        return;
      }
      const now = this.o.clock.now();
      const slept = now - this.lastTick > tickMs + SLEEP_JUMP_MS;
      this.lastTick = now;
      if (this.state === 'connected' && this.socket) {
        if (this.pingSentAt > 0 && now - this.pingSentAt > this.pingTimeoutMs) {
          this.o.log('info', 'no answer to ping: the link is dead');
          this.pingSentAt = 0;
          this.abandon('pingTimeout');
        } else if (slept && this.pingSentAt === 0) {
          this.o.log('info', 'woke up from sleep: checking the link');
          this.sendPing(Math.min(this.o.pingTimeoutMs, 3_000));
        } else if (this.pingSentAt === 0 && now - this.lastFrameAt >= this.o.pingIntervalMs) {
          this.sendPing(this.o.pingTimeoutMs);
        }
      }
      this.watchdog = this.o.clock.setTimeout(tick, tickMs);
    };
    this.watchdog = this.o.clock.setTimeout(tick, tickMs);
  }

  private installBrowserHooks(): void {
    this.removeBrowserHooks?.();
    const target = globalThis as unknown as {
      addEventListener?: (name: string, fn: () => void) => void;
      removeEventListener?: (name: string, fn: () => void) => void;
      document?: { visibilityState?: string; addEventListener?: (n: string, f: () => void) => void; removeEventListener?: (n: string, f: () => void) => void };
    };
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
      return;
    }
    const online = () => {
      this.o.log('info', 'browser is online');
      if (this.state === 'reconnecting' || this.state === 'connecting') {
        this.retryNow('online');
      } else {
        this.probe();
      }
    };
    const offline = () => {
      this.o.log('info', 'browser is offline');
      // the socket may survive a short blip: a quick ping decides instead of dropping it at once
      this.probe();
    };
    const visible = () => {
      if (target.document?.visibilityState === 'visible') {
        this.probe();
      }
    };
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    target.document?.addEventListener?.('visibilitychange', visible);
    this.removeBrowserHooks = () => {
      target.removeEventListener!('online', online);
      target.removeEventListener!('offline', offline);
      target.document?.removeEventListener?.('visibilitychange', visible);
    };
  }

  private detach(): void {
    const socket = this.socket;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
    }
    this.socket = null;
    this.socketReady = false;
    this.pingSentAt = 0;
    this.o.clock.clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.o.clock.clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private clearTimers(): void {
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.o.clock.clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.o.clock.clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private rejectPending(error: IMError): void {
    for (const [id, pending] of this.pending) {
      this.o.clock.clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  private setState(state: ConnectionState, event: ConnectionEvent, closeCode?: number, reason?: string): void {
    const changed = state !== this.state;
    this.state = state;
    if (changed || event === 'online') {
      this.o.onStateChange({ state, event, closeCode, reason });
    }
  }

  /** Used by the event of the last abandon, for logs. */
  lastAbandonEvent(): ConnectionEvent | null {
    return this.abandonEvent;
  }
}
