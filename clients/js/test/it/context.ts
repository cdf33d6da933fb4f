import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import WebSocket from 'ws';

import { IMClient, type IMClientConfig } from '../../src/index.js';
import type { Message } from '../../src/types.js';
import { Network } from './network.js';
import { signToken, startStack, waitFor, type Stack } from './stack.js';

/** The gateway's warning before a token expires, shortened so renewals happen within a test. */
export const TOKEN_EXPIRY_WARNING_SECONDS = 3;

/** The stack's processes, once started: stopped at the end even when the warm-up failed. */
let started: Promise<Stack> | null = null;
/** The stack, started and warmed up: what the tests wait for. */
let starting: Promise<Stack> | null = null;
const STACK_ENV = { IM_GATEWAY_TOKEN_EXPIRY_WARNING: `${TOKEN_EXPIRY_WARNING_SECONDS}s` };

/** One stack for every integration and browser test of this process, started on first use. */
export function stack(): Promise<Stack> {
  if (!starting) {
    started = process.env.IM_IT_DATA_DIR
      ? Promise.resolve(existingStack(process.env.IM_IT_DATA_DIR))
      : startStack(STACK_ENV).catch((error: Error) => {
          // a service that could not start on a machine too busy to answer in time: one more try on fresh ports
          console.log(`# stack did not start, trying once more: ${error.message.split('\n')[0]}`);
          return startStack(STACK_ENV);
        });
    starting = started.then((s) =>
      warmUp(s).catch((error: Error) => {
        printLogTails(s);
        throw error;
      }),
    );
  }
  return starting;
}

/**
 * One message through the just-started stack, delivered and stored, before any test: the first one goes through cold
 * JVMs (class loading, JIT, the first produce of each topic, the first query) and took from 1 to more than 20 seconds on
 * a busy 2-core machine, which is no behaviour of the SDK's to test. The tests' waits start from a warm stack.
 */
async function warmUp(s: Stack): Promise<Stack> {
  const started = Date.now();
  // what both clients did, printed if the warm-up fails (whether the message reached the SDK and waited there)
  const log: string[] = [];
  const create = (userId: string) =>
    IMClient.create({
      serverUrl: s.baseUrl,
      tokenProvider: (user) => s.token(user),
      WebSocket: WebSocket as never,
      logger: (level, message) => log.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${userId} ${level}: ${message}`),
    });
  const [senderId, recipientId] = [`warm-a-${Date.now()}`, `warm-b-${Date.now()}`];
  const sender = create(senderId);
  const recipient = create(recipientId);
  let delivered = false;
  recipient.on('receivePeerMessage', () => (delivered = true));
  const stored = async () =>
    (await recipient.queryHistoryMessage({ type: 'peer', id: senderId }, { count: 1 })).messages.length === 1;
  try {
    await sender.login(senderId);
    await recipient.login(recipientId);
    await sender.sendMessage({ type: 'peer', id: recipientId }, { type: 'text', text: 'warm-up' });
    try {
      await waitFor('the warm-up message is delivered', () => delivered, 120_000);
    } catch (error) {
      const inHistory = await stored().catch((e: Error) => `unknown (${e.message})`);
      console.log(`# the warm-up message was acked but not delivered; in history: ${inHistory}; the clients' log:`);
      log.forEach((line) => console.log(`#   ${line}`));
      throw error;
    }
    await waitFor('the warm-up message is stored', stored, 120_000);
  } finally {
    await Promise.all([sender.logout(), recipient.logout()]);
  }
  console.log(`# stack warmed up in ${Math.round((Date.now() - started) / 1000)} s (one message delivered and stored)`);
  return s;
}

/**
 * A stack that already runs (while developing tests): IM_IT_DATA_DIR, IM_IT_GATEWAY and IM_IT_PUSH name it; it needs
 * IM_GATEWAY_TOKEN_EXPIRY_WARNING=3s like the one the tests start.
 */
function existingStack(dataDir: string): Stack {
  const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
  return {
    baseUrl: process.env.IM_IT_GATEWAY ?? 'http://localhost:8080',
    pushUrl: process.env.IM_IT_PUSH ?? 'http://localhost:8084',
    dataDir,
    token: (userId, options = {}) => signToken(secret, userId, options),
    stop: async () => undefined,
  };
}

/**
 * Stops the stack if it started, whether or not its warm-up passed: a stack left running keeps this process (and the
 * build) waiting on its pipes for ever.
 */
export async function stopStack(): Promise<void> {
  if (started) {
    const s = await started.catch(() => null);
    await s?.stop();
  }
}

/** The last lines of every service's log, for a stack that failed its warm-up (the data directory is under target/). */
function printLogTails(s: Stack): void {
  const logs = join(s.dataDir, 'logs');
  if (!existsSync(logs)) {
    return;
  }
  for (const file of readdirSync(logs).filter((f) => f.endsWith('.log')).sort()) {
    const lines = readFileSync(join(logs, file), 'utf8').trimEnd().split('\n');
    console.log(`# --- ${file}, last ${Math.min(40, lines.length)} of ${lines.length} lines`);
    for (const line of lines.slice(-40)) {
      console.log(`#   ${line}`);
    }
  }
}

/** A Node client of `userId` on its own controllable network, with everything it receives recorded. */
export interface TestClient {
  client: IMClient;
  network: Network;
  userId: string;
  received: Message[];
  states: string[];
  tokensIssued: number;
  /** Expiry (ms) of the last token tokenProvider handed out. */
  lastTokenExp: number;
}

export async function newClient(
  userId: string,
  options: Partial<IMClientConfig> & { ttlSeconds?: number; login?: boolean } = {},
): Promise<TestClient> {
  const s = await stack();
  const network = new Network();
  const t: TestClient = { client: undefined as unknown as IMClient, network, userId, received: [], states: [], tokensIssued: 0, lastTokenExp: 0 };
  t.client = IMClient.create({
    serverUrl: s.baseUrl,
    tokenProvider: (user) => {
      t.tokensIssued++;
      t.lastTokenExp = Date.now() + (options.ttlSeconds ?? 3600) * 1000;
      return s.token(user, { ttlSeconds: options.ttlSeconds });
    },
    WebSocket: network.WebSocket as never,
    pingIntervalMs: 1_000,
    pingTimeoutMs: 2_000,
    reconnectBaseDelayMs: 200,
    reconnectMaxDelayMs: 2_000,
    logger: process.env.IM_IT_LOG ? (level, message) => console.log(`# ${userId} ${level}: ${message}`) : undefined,
    ...options,
  });
  for (const event of ['receivePeerMessage', 'receiveGroupMessage', 'receiveRoomMessage'] as const) {
    t.client.on(event, (e) => t.received.push(...e.messages));
  }
  t.client.on('connectionStateChanged', (e) => t.states.push(`${e.state}:${e.event}`));
  if (options.login !== false) {
    await t.client.login(userId);
  }
  return t;
}

export { WebSocket };
