import type { Clock, SocketLike } from '../../src/connection.js';

/** A clock whose timers run only when the test advances time; promises settle between timers. */
export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; seq: number }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn, seq: id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Runs every timer due within `ms`, in time order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void; seq: number }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) {
          next = entry;
        }
      }
      if (!next) {
        break;
      }
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = target;
    await settle();
  }

  /** Moves the clock without running timers (a machine that slept). */
  jump(ms: number): void {
    this.time += ms;
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

type Frame = Record<string, unknown>;

/** One fake WebSocket the SDK opened; the test plays the server. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Frame[] = [];
  /** Frames written while the link is "dead" vanish, and nothing comes back. */
  blackholed = false;
  closedByClient: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    private readonly server: FakeServer,
  ) {
    server.sockets.push(this);
    server.onSocket?.(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) {
      throw new Error('not open');
    }
    if (this.blackholed) {
      return;
    }
    const frame = JSON.parse(data) as Frame;
    this.sent.push(frame);
    this.server.handle(this, frame);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    if (this.readyState === 3) {
      return;
    }
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code: code ?? 1000, reason: reason ?? '' }));
  }

  /** Server side: completes the upgrade. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Server side: pushes a frame. */
  push(frame: Frame): void {
    if (this.readyState === 1 && !this.blackholed) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
  }

  /** Server side: closes with a code. */
  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) {
      return;
    }
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  token(): string {
    return new URL(this.url).searchParams.get('token') ?? '';
  }

  sentOf(op: string): Frame[] {
    return this.sent.filter((f) => f.op === op);
  }
}

/**
 * The server end of fake sockets: answers pings, opens sockets at once (unless told otherwise) and lets tests decide
 * how sends are acked.
 */
export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  autoOpen = true;
  /** Refuse new connections (the network is down): the socket closes with 1006. */
  offline = false;
  onSocket?: (socket: FakeSocket) => void;
  /** How a send is answered; default: success with a growing orderKey. */
  onSend: (socket: FakeSocket, frame: Frame) => Frame | null = (_socket, frame) => this.success(frame);
  onRequest?: (socket: FakeSocket, frame: Frame) => Frame | null;
  nextOrderKey = 100;
  private readonly firstAcks = new Map<string, Frame>();

  get WebSocket(): new (url: string) => FakeSocket {
    const server = this;
    return class extends FakeSocket {
      constructor(url: string) {
        super(url, server);
        if (server.offline) {
          queueMicrotask(() => this.serverClose(1006));
        } else if (server.autoOpen) {
          queueMicrotask(() => this.open());
        }
      }
    };
  }

  get last(): FakeSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) {
      throw new Error('no socket');
    }
    return socket;
  }

  handle(socket: FakeSocket, frame: Frame): void {
    if (frame.op === 'ping') {
      queueMicrotask(() => socket.push({ op: 'pong', id: frame.id }));
      return;
    }
    let answer: Frame | null;
    if (frame.op === 'send') {
      answer = this.onSend(socket, frame);
    } else {
      answer = this.onRequest?.(socket, frame) ?? { op: 'ack', id: frame.id, status: 'success' };
    }
    if (answer) {
      queueMicrotask(() => socket.push(answer!));
    }
  }

  /** A success ack; a retried clientMsgId gets the first answer again, as the gateway does. */
  success(frame: Frame): Frame {
    const key = String(frame.clientMsgId);
    const first = this.firstAcks.get(key);
    if (first) {
      return { ...first, id: frame.id };
    }
    const ack = { op: 'ack', id: frame.id, status: 'success', messageId: `m${this.nextOrderKey}`, orderKey: this.nextOrderKey, timestamp: 1_700_000_000_000 };
    this.nextOrderKey++;
    this.firstAcks.set(key, ack);
    return ack;
  }
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
}

/** A fetch that answers from a handler and records requests. */
export function fakeFetch(handler: (method: string, url: URL, body: unknown) => FakeResponse | undefined) {
  const calls: Array<{ method: string; url: URL; body: unknown; auth: string | null }> = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body;
    const headers = new Headers(init?.headers);
    calls.push({ method, url, body, auth: headers.get('authorization') });
    const answer = handler(method, url, body) ?? { status: 404, body: { error: { code: 'NOT_FOUND' } } };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { fetch: fn, calls };
}

/** A JWT-shaped token (unsigned: the SDK only reads `exp`). */
export function fakeToken(userId: string, expMs: number, n = 0): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256' })}.${b64({ sub: userId, exp: Math.floor(expMs / 1000), n })}.sig`;
}
