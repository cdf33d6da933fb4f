import WebSocket from 'ws';

import type { SocketLike, WebSocketConstructor } from '../../src/connection.js';

type Frame = Record<string, unknown> & { op?: string };

/**
 * The network between one SDK client and the gateway, under the test's control: real `ws` sockets that the test can
 * kill (TCP reset), freeze like a sleeping laptop (nothing in or out, no close), or filter frame by frame.
 */
export class Network {
  /** New connections fail (1006) and live ones are frozen. */
  private down = false;
  readonly sockets = new Set<ControlledSocket>();
  /** Every frame the client wrote, in order. */
  readonly sent: Frame[] = [];
  /**
   * Decides what happens to a frame from the server: deliver it, drop it, kill the socket instead, or deliver another
   * frame in its place (e.g. the same `messages` frame without one of them).
   */
  inbound: (frame: Frame) => 'deliver' | 'drop' | 'kill' | Frame = () => 'deliver';
  opened = 0;

  get WebSocket(): WebSocketConstructor {
    const network = this;
    return class extends ControlledSocket {
      constructor(url: string) {
        super(url, network);
      }
    };
  }

  get isDown(): boolean {
    return this.down;
  }

  /** Laptop lid closed: live sockets go silent both ways (the server still thinks they are up), new ones fail. */
  goOffline(): void {
    this.down = true;
    for (const socket of this.sockets) {
      socket.freeze();
    }
  }

  goOnline(): void {
    this.down = false;
  }

  /** Kills every live socket at once (TCP reset, no close frame). */
  killAll(): void {
    for (const socket of this.sockets) {
      socket.kill();
    }
  }

  sentOf(op: string): Frame[] {
    return this.sent.filter((f) => f.op === op);
  }
}

export class ControlledSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  private readonly ws: WebSocket | null;
  private frozen = false;
  private closed = false;

  constructor(
    url: string,
    private readonly network: Network,
  ) {
    if (network.isDown) {
      this.ws = null;
      setTimeout(() => this.fireClose(1006, ''), 20);
      return;
    }
    network.opened++;
    network.sockets.add(this);
    this.ws = new WebSocket(url);
    this.ws.on('open', () => !this.frozen && this.onopen?.({}));
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.frozen || isBinary) {
        return;
      }
      const text = data.toString('utf8');
      const verdict = this.network.inbound(JSON.parse(text) as Frame);
      if (verdict === 'drop') {
        return;
      }
      if (verdict === 'kill') {
        this.kill();
        return;
      }
      this.onmessage?.({ data: typeof verdict === 'object' ? JSON.stringify(verdict) : text });
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      if (!this.frozen) {
        this.fireClose(code, reason.toString());
      }
    });
    this.ws.on('error', () => undefined);
  }

  get readyState(): number {
    if (this.closed) {
      return 3;
    }
    return this.ws?.readyState ?? 0;
  }

  send(data: string): void {
    if (this.frozen || !this.ws) {
      return;
    }
    this.network.sent.push(JSON.parse(data) as Frame);
    this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    if (!this.ws || this.frozen) {
      // a frozen link cannot carry a close handshake: the client gives up on it, TCP goes with it
      this.kill();
      return;
    }
    try {
      this.ws.close(code === undefined || code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      this.ws.terminate();
    }
  }

  freeze(): void {
    this.frozen = true;
  }

  kill(): void {
    const wasFrozen = this.frozen;
    this.ws?.terminate();
    this.network.sockets.delete(this);
    if (!wasFrozen) {
      this.fireClose(1006, '');
    }
    this.frozen = true;
  }

  private fireClose(code: number, reason: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.network.sockets.delete(this);
    this.onclose?.({ code, reason });
  }
}
