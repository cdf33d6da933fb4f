import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { IMClient, type IMClientConfig } from '../../src/client.js';
import type { ConnectionStateChangedEvent, Conversation, Message } from '../../src/types.js';
import { FakeClock, FakeServer, fakeFetch, fakeToken, type FakeSocket, settle } from './fakes.js';

const BASE = 'http://im.test';

interface Harness {
  client: IMClient;
  server: FakeServer;
  clock: FakeClock;
  states: ConnectionStateChangedEvent[];
  tokens: string[];
  calls: ReturnType<typeof fakeFetch>['calls'];
  conversations: unknown[];
  history: Map<string, Message[]>;
  /** Runs while a read request is at the server, before its answer. */
  duringRead: { run?: () => void };
}

function harness(overrides: Partial<IMClientConfig> = {}, tokenTtlMs = 3_600_000): Harness {
  const clock = new FakeClock();
  const server = new FakeServer();
  const tokens: string[] = [];
  const conversations: unknown[] = [];
  const history = new Map<string, Message[]>();
  const duringRead: Harness['duringRead'] = {};
  const { fetch, calls } = fakeFetch((method, url) => {
    if (method === 'GET' && url.pathname === '/v1/conversations') {
      return { body: { conversations, cursor: null } };
    }
    const m = /^\/v1\/conversations\/(\w+)\/([^/]+)\/messages$/.exec(url.pathname);
    if (m && method === 'GET') {
      const all = history.get(`${m[1]}:${m[2]}`) ?? [];
      const after = url.searchParams.get('after');
      const page = after === null ? [...all].reverse() : all.filter((x) => x.orderKey! > Number(after));
      return { body: { messages: page, hasMore: false } };
    }
    if (method === 'POST' && url.pathname.endsWith('/read')) {
      duringRead.run?.();
      return { body: { orderKey: 1 } };
    }
    if (method === 'DELETE' && url.pathname.startsWith('/v1/conversations/')) {
      return { status: 204 };
    }
    return undefined;
  });
  const client = IMClient.create({
    serverUrl: BASE,
    tokenProvider: (userId) => {
      const token = fakeToken(userId, clock.now() + tokenTtlMs, tokens.length);
      tokens.push(token);
      return token;
    },
    WebSocket: server.WebSocket,
    fetch,
    clock,
    settleSyncDelayMs: 0,
    ...overrides,
  });
  const states: ConnectionStateChangedEvent[] = [];
  client.on('connectionStateChanged', (e) => states.push(e));
  return { client, server, clock, states, tokens, calls, conversations, history, duringRead };
}

async function loggedIn(h: Harness, userId = 'alice'): Promise<void> {
  const login = h.client.login(userId);
  await h.clock.advance(1);
  await login;
}

function incoming(socket: FakeSocket, from: string, orderKey: number, prevOrderKey: number | null, text = `t${orderKey}`) {
  socket.push({
    op: 'messages',
    conversation: { type: 'peer', id: from },
    messages: [{ type: 'text', text, messageId: `id${orderKey}`, orderKey, prevOrderKey, sender: { id: from }, timestamp: 1_700_000_000_000 + orderKey }],
  });
}

describe('IMClient connection', () => {
  it('logs in: connecting, then connected once the server answered a ping', async () => {
    const h = harness();
    await loggedIn(h);
    assert.deepEqual(
      h.states.map((s) => s.state),
      ['connecting', 'connected'],
    );
    assert.equal(h.server.last.token(), h.tokens[0]);
    assert.ok(h.server.last.url.startsWith('ws://im.test/v1/ws?token='));
  });

  it('reconnects with backoff after the socket drops, and the state machine says so', async () => {
    const h = harness({ reconnectBaseDelayMs: 1_000, reconnectMaxDelayMs: 8_000 });
    await loggedIn(h);
    h.server.offline = true;
    h.server.last.serverClose(1006);
    await h.clock.advance(1);
    assert.equal(h.client.connectionState, 'reconnecting');
    const before = h.server.sockets.length;
    await h.clock.advance(40_000);
    const attempts = h.server.sockets.length - before;
    assert.ok(attempts >= 4 && attempts <= 12, `backoff grows: ${attempts} attempts in 40 s`);
    h.server.offline = false;
    await h.clock.advance(9_000);
    assert.equal(h.client.connectionState, 'connected');
    assert.deepEqual(
      h.states.map((s) => s.state),
      ['connecting', 'connected', 'reconnecting', 'connected'],
    );
  });

  it('abandons a link that stops answering pings (no close event needed) and reconnects at once', async () => {
    const h = harness({ pingIntervalMs: 2_000, pingTimeoutMs: 1_000 });
    await loggedIn(h);
    const first = h.server.last;
    first.blackholed = true;
    await h.clock.advance(4_000);
    assert.notEqual(h.server.last, first, 'a new socket was opened');
    assert.equal(first.closedByClient?.code, 4000);
    assert.equal(h.client.connectionState, 'connected');
    assert.ok(h.states.some((s) => s.event === 'pingTimeout'));
  });

  it('checks the link at once after the machine slept', async () => {
    const h = harness({ pingIntervalMs: 60_000, pingTimeoutMs: 10_000 });
    await loggedIn(h);
    const first = h.server.last;
    first.blackholed = true;
    h.clock.jump(120_000);
    await h.clock.advance(5_000);
    assert.notEqual(h.server.last, first);
    assert.equal(h.client.connectionState, 'connected');
  });

  it('takes a fresh token from tokenProvider when the server refuses the current one (4401)', async () => {
    const h = harness();
    await loggedIn(h);
    h.server.last.push({ op: 'closing', reason: 'TOKEN_EXPIRED' });
    h.server.last.serverClose(4401, 'TOKEN_EXPIRED');
    await h.clock.advance(10);
    assert.equal(h.tokens.length, 2);
    assert.equal(h.server.last.token(), h.tokens[1]);
    assert.equal(h.client.connectionState, 'connected');
    assert.ok(h.states.some((s) => s.event === 'tokenExpired' && s.closeCode === 4401));
  });

  it('gives up with unauthorized when fresh tokens are refused too', async () => {
    const h = harness();
    h.server.onSocket = (socket) =>
      queueMicrotask(() => {
        socket.readyState = 1;
        socket.push({ op: 'error', error: { code: 'UNAUTHORIZED' } });
        socket.serverClose(4401, 'UNAUTHORIZED');
      });
    h.server.autoOpen = false;
    const login = h.client.login('alice');
    const outcome = login.then(
      () => 'resolved',
      (e: { code: string }) => e.code,
    );
    await h.clock.advance(100);
    assert.equal(await outcome, 'UNAUTHORIZED');
    assert.equal(h.client.connectionState, 'disconnected');
  });

  it('renews the token by itself on tokenWillExpire', async () => {
    const h = harness({}, 20_000);
    await loggedIn(h);
    const renewed: unknown[] = [];
    h.client.on('tokenRenewed', (e) => renewed.push(e));
    h.server.last.push({ op: 'tokenWillExpire', secondsLeft: 10 });
    await h.clock.advance(10);
    const renew = h.server.last.sentOf('renewToken');
    assert.equal(renew.length, 1);
    assert.equal(renew[0]!.token, h.tokens[1]);
    assert.equal(renewed.length, 1);
  });
});

describe('IMClient sending', () => {
  it('attaches the message at once and resolves with the server ids', async () => {
    const h = harness();
    await loggedIn(h);
    let attached: Message | undefined;
    const sent = h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'hi' }, {
      onMessageAttached: (m) => (attached = m),
    });
    assert.equal(attached?.sentStatus, 'sending');
    assert.ok(attached?.localMessageId);
    await h.clock.advance(1);
    const message = await sent;
    assert.equal(message.sentStatus, 'sent');
    assert.equal(message.orderKey, 100);
    assert.equal(message.messageId, 'm100');
  });

  it('resends an unacked send after a reconnect with the same clientMsgId', async () => {
    const h = harness();
    await loggedIn(h);
    h.server.onSend = () => null; // the ack never comes on this socket
    const sent = h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'hi' });
    await h.clock.advance(1);
    const first = h.server.last.sentOf('send')[0]!;
    h.server.onSend = (_socket, frame) => h.server.success(frame);
    h.server.last.serverClose(1006);
    await h.clock.advance(5_000);
    const again = h.server.last.sentOf('send');
    assert.equal(again.length, 1);
    assert.equal(again[0]!.clientMsgId, first.clientMsgId);
    const message = await sent;
    assert.equal(message.sentStatus, 'sent');
  });

  it('queues sends made while offline and sends them once connected', async () => {
    const h = harness();
    await loggedIn(h);
    h.server.offline = true;
    h.server.last.serverClose(1006);
    await h.clock.advance(1);
    const sent = h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'later' });
    h.server.offline = false;
    await h.clock.advance(2_000);
    assert.equal((await sent).sentStatus, 'sent');
  });

  it('fails at once on a refusal that a retry cannot fix', async () => {
    const h = harness();
    await loggedIn(h);
    h.server.onSend = (_s, frame) => ({ op: 'ack', id: frame.id, status: 'failed', error: { code: 'SEND_TO_SELF', message: 'no' } });
    let attached: Message | undefined;
    const sent = h.client.sendMessage({ type: 'peer', id: 'alice' }, { type: 'text', text: 'me' }, { onMessageAttached: (m) => (attached = m) });
    const outcome = sent.then(() => 'ok', (e: { code: string }) => e.code);
    await h.clock.advance(1);
    assert.equal(await outcome, 'SEND_TO_SELF');
    assert.equal(attached?.sentStatus, 'failed');
  });

  it('fails at once when the content check refuses the message (CONTENT_REJECTED, not retried)', async () => {
    const h = harness();
    await loggedIn(h);
    let sends = 0;
    h.server.onSend = (_s, frame) => {
      sends++;
      return { op: 'ack', id: frame.id, status: 'failed', error: { code: 'CONTENT_REJECTED', message: 'improper' } };
    };
    const sent = h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'bad word' });
    const outcome = sent.then(() => 'ok', (e: { code: string }) => e.code);
    await h.clock.advance(10_000);
    assert.equal(await outcome, 'CONTENT_REJECTED');
    assert.equal(sends, 1);
  });

  it('retries RATE_LIMITED with the same clientMsgId', async () => {
    const h = harness();
    await loggedIn(h);
    let refusals = 1;
    h.server.onSend = (_s, frame) =>
      refusals-- > 0 ? { op: 'ack', id: frame.id, status: 'failed', error: { code: 'RATE_LIMITED' } } : h.server.success(frame);
    const sent = h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'x' });
    await h.clock.advance(10_000);
    assert.equal((await sent).sentStatus, 'sent');
    const sends = h.server.last.sentOf('send');
    assert.equal(sends.length, 2);
    assert.equal(sends[0]!.clientMsgId, sends[1]!.clientMsgId);
  });

  it('fails with TIMEOUT when no ack comes in time', async () => {
    const h = harness({ sendTimeoutMs: 5_000 });
    await loggedIn(h);
    h.server.onSend = () => null;
    const outcome = h.client
      .sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'x' })
      .then(() => 'ok', (e: { code: string }) => e.code);
    await h.clock.advance(6_000);
    assert.equal(await outcome, 'TIMEOUT');
  });

  it('paces sends at the configured rate', async () => {
    const h = harness({ sendRatePerSecond: 5 });
    await loggedIn(h);
    const all = Array.from({ length: 12 }, (_, i) => h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: `n${i}` }));
    await h.clock.advance(10);
    assert.equal(h.server.last.sentOf('send').length, 5);
    await h.clock.advance(2_000);
    assert.equal(h.server.last.sentOf('send').length, 12);
    await Promise.all(all);
  });
});

describe('IMClient receiving', () => {
  it('hands messages over in order, once, and counts them unread once', async () => {
    const h = harness();
    h.conversations.push({ conversation: { type: 'peer', id: 'bob' }, lastMessage: { type: 'text', orderKey: 5, sender: { id: 'bob' } }, unreadCount: 2, mentions: [], updatedAt: 1 });
    await loggedIn(h);
    await h.clock.advance(10);
    const got: number[] = [];
    const totals: number[] = [];
    h.client.on('receivePeerMessage', (e) => got.push(...e.messages.map((m) => m.orderKey!)));
    h.client.on('totalUnreadChanged', (e) => totals.push(e.totalUnreadCount));
    incoming(h.server.last, 'bob', 7, 5);
    incoming(h.server.last, 'bob', 7, 5);
    incoming(h.server.last, 'bob', 9, 7);
    await h.clock.advance(10);
    assert.deepEqual(got, [7, 9]);
    assert.equal(h.client.getConversation({ type: 'peer', id: 'bob' })?.unreadCount, 4);
    assert.equal(totals.at(-1), 4);
    await h.client.clearConversationUnread({ type: 'peer', id: 'bob' });
    assert.equal(h.client.getTotalUnreadCount(), 0);
    const read = h.calls.find((c) => c.method === 'POST');
    assert.deepEqual(read?.body, { orderKey: 9 });
  });

  it('fills a gap from history', async () => {
    const h = harness();
    h.conversations.push({ conversation: { type: 'peer', id: 'bob' }, lastMessage: { type: 'text', orderKey: 5, sender: { id: 'bob' } }, unreadCount: 0, mentions: [], updatedAt: 1 });
    await loggedIn(h);
    await h.clock.advance(10);
    const m = (k: number, p: number) => ({ type: 'text', text: `t${k}`, messageId: `id${k}`, orderKey: k, prevOrderKey: p, sender: { id: 'bob' }, timestamp: 1 } as unknown as Message);
    h.history.set('peer:bob', [m(6, 5), m(8, 6), m(10, 8)]);
    const got: number[] = [];
    h.client.on('receivePeerMessage', (e) => got.push(...e.messages.map((x) => x.orderKey!)));
    incoming(h.server.last, 'bob', 10, 8);
    await h.clock.advance(10);
    assert.deepEqual(got, [6, 8, 10]);
  });

  it('after a reconnect syncs the conversations changed meanwhile', async () => {
    const h = harness();
    h.conversations.push({ conversation: { type: 'peer', id: 'bob' }, lastMessage: { type: 'text', orderKey: 5, sender: { id: 'bob' } }, unreadCount: 0, mentions: [], updatedAt: 1 });
    await loggedIn(h);
    await h.clock.advance(10);
    const sync: string[] = [];
    h.client.on('conversationSyncStateChanged', (e) => sync.push(e.state));
    const got: number[] = [];
    h.client.on('receivePeerMessage', (e) => got.push(...e.messages.map((x) => x.orderKey!)));
    h.server.last.serverClose(1006);
    const m = (k: number, p: number) => ({ type: 'text', text: `t${k}`, messageId: `id${k}`, orderKey: k, prevOrderKey: p, sender: { id: 'bob' }, timestamp: 1 } as unknown as Message);
    h.history.set('peer:bob', [m(6, 5), m(8, 6)]);
    h.conversations.splice(0, 1, { conversation: { type: 'peer', id: 'bob' }, lastMessage: m(8, 6), unreadCount: 2, mentions: [], updatedAt: 2 });
    await h.clock.advance(3_000);
    assert.equal(h.client.connectionState, 'connected');
    assert.deepEqual(got, [6, 8]);
    assert.deepEqual(sync, ['syncing', 'synced']);
    const list = h.calls.filter((c) => c.url.pathname === '/v1/conversations');
    assert.ok(list.at(-1)!.url.searchParams.has('since'));
    assert.equal(h.client.getConversation({ type: 'peer', id: 'bob' })?.unreadCount, 2, 'the server figure, not counted twice');
  });

  it('re-enters rooms after a reconnect', async () => {
    const h = harness();
    await loggedIn(h);
    const entering = h.client.enterRoom('r1');
    await h.clock.advance(1);
    await entering;
    h.server.last.serverClose(1001);
    await h.clock.advance(3_000);
    assert.equal(h.server.last.sentOf('enterRoom')[0]?.roomId, 'r1');
  });

  it('passes commands and barrage straight through and events for revokes and receipts', async () => {
    const h = harness();
    await loggedIn(h);
    const events: string[] = [];
    h.client.on('receiveRoomMessage', (e) => events.push(`room:${e.messages[0]!.type}`));
    h.client.on('messageRevoked', (e) => events.push(`revoked:${e.messageId}`));
    h.client.on('messageReceiptChanged', (e) => events.push(`receipt:${e.kind}:${e.orderKey}`));
    h.client.on('broadcastMessageReceived', (e) => events.push(`broadcast:${e.message.type}`));
    h.server.last.push({ op: 'messages', conversation: { type: 'room', id: 'r' }, messages: [{ type: 'barrage', text: 'yo', orderKey: 3, prevOrderKey: 1, sender: { id: 'x' } }] });
    h.server.last.push({ op: 'revoked', conversation: { type: 'peer', id: 'bob' }, messageId: 'm1', by: 'bob' });
    h.server.last.push({ op: 'receipt', conversation: { type: 'peer', id: 'bob' }, orderKey: 4, userId: 'bob', kind: 'read' });
    h.server.last.push({ op: 'broadcast', message: { type: 'text', text: 'all', sender: { id: 'ops' } } });
    await settle();
    assert.deepEqual(events, ['room:barrage', 'revoked:m1', 'receipt:read:4', 'broadcast:text']);
  });

  it('takes the v1.1 conversationChanged frame as the truth', async () => {
    const h = harness();
    await loggedIn(h);
    const changes: number[] = [];
    h.client.on('conversationChanged', (e) => changes.push(e.infoList[0]!.unreadCount));
    h.server.last.push({ op: 'session', sessionId: 's', userId: 'alice', serverTime: 1 });
    h.server.last.push({ op: 'conversationChanged', conversation: { type: 'peer', id: 'bob' }, unreadCount: 7, mentions: [], updatedAt: 5 });
    incoming(h.server.last, 'bob', 7, null);
    await h.clock.advance(10);
    assert.equal(h.client.getConversation({ type: 'peer', id: 'bob' })?.unreadCount, 7);
    assert.deepEqual(changes, [7]);
  });

  it('subscribes to presence, emits presenceChanged without the op, and subscribes again after a reconnect', async () => {
    const h = harness();
    await loggedIn(h);
    const seen: unknown[] = [];
    h.client.on('presenceChanged', (p) => seen.push(p));
    const ids = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const subscribing = h.client.subscribePresence(ids, { durationSeconds: 60 });
    await h.clock.advance(1);
    await subscribing;
    const sent = h.server.last.sentOf('subscribePresence');
    assert.deepEqual(sent.map((f) => (f.userIds as string[]).length), [100, 50], 'sent in parts of at most 100');
    assert.equal(sent[0]!.durationSeconds, 60);
    h.server.last.push({ op: 'presence', userId: 'u1', state: 'offline', lastSeenAt: 5, customStatus: 'away' });
    await settle();
    assert.deepEqual(seen, [{ userId: 'u1', state: 'offline', lastSeenAt: 5, customStatus: 'away' }]);

    const unsubscribing = h.client.unsubscribePresence(ids.slice(2));
    await h.clock.advance(1);
    await unsubscribing;
    await h.clock.advance(20_000);
    h.server.last.serverClose(1001);
    await h.clock.advance(3_000);
    const again = h.server.last.sentOf('subscribePresence');
    assert.deepEqual(again.map((f) => f.userIds), [['u0', 'u1']]);
    const left = again[0]!.durationSeconds as number;
    assert.ok(left > 30 && left <= 40, `what is left of the minute, not a new one: ${left}`);
  });

  it('forgets a subscription the server refused, and refuses with its code', async () => {
    const h = harness();
    await loggedIn(h);
    h.server.onRequest = (_socket, frame) =>
      frame.op === 'subscribePresence' ? { op: 'ack', id: frame.id, status: 'failed', error: { code: 'INVALID_REQUEST' } } : null;
    const refused = assert.rejects(h.client.subscribePresence(['bad id']), (e: Error & { code?: string }) => e.code === 'INVALID_REQUEST');
    await h.clock.advance(1);
    await refused;
    h.server.onRequest = undefined;
    h.server.last.serverClose(1001);
    await h.clock.advance(3_000);
    assert.equal(h.server.last.sentOf('subscribePresence').length, 0);
  });

  it('sets the custom status and reads presence over HTTP', async () => {
    const h = harness();
    await loggedIn(h);
    const setting = h.client.setStatus('in a meeting');
    await h.clock.advance(1);
    await setting;
    assert.equal(h.server.last.sentOf('setStatus')[0]?.customStatus, 'in a meeting');

    const { fetch, calls } = fakeFetch((method, url) =>
      method === 'GET' && url.pathname === '/v1/presence'
        ? { body: { presence: url.searchParams.get('userIds')!.split(',').map((userId) => ({ userId, state: 'online' })) } }
        : undefined,
    );
    const other = harness({ fetch });
    await loggedIn(other);
    const presence = await other.client.getPresence(['bob', 'carol']);
    assert.deepEqual(presence, [{ userId: 'bob', state: 'online' }, { userId: 'carol', state: 'online' }]);
    assert.equal(calls.find((c) => c.url.pathname === '/v1/presence')?.url.searchParams.get('userIds'), 'bob,carol');
  });

  it('deletes for me: a message, a clear, a removal — each a DELETE, reflected in the list and the total', async () => {
    const h = harness();
    h.conversations.push({ conversation: { type: 'peer', id: 'bob' }, lastMessage: { type: 'text', messageId: 'id5', orderKey: 5, sender: { id: 'bob' } }, unreadCount: 0, mentions: [], updatedAt: 1 });
    h.conversations.push({ conversation: { type: 'peer', id: 'carol' }, lastMessage: { type: 'text', messageId: 'id3', orderKey: 3, sender: { id: 'carol' } }, unreadCount: 0, mentions: [], updatedAt: 1 });
    await loggedIn(h);
    await h.clock.advance(10);
    const changes: string[] = [];
    const totals: number[] = [];
    h.client.on('conversationChanged', (e) =>
      changes.push(`${e.infoList[0]!.conversation.id}:${e.infoList[0]!.unreadCount}:${e.infoList[0]!.lastMessage?.messageId ?? '-'}${e.infoList[0]!.removed ? ':removed' : ''}`),
    );
    h.client.on('totalUnreadChanged', (e) => totals.push(e.totalUnreadCount));
    incoming(h.server.last, 'bob', 6, 5);
    incoming(h.server.last, 'bob', 7, 6);
    incoming(h.server.last, 'carol', 4, 3);
    await h.clock.advance(10);
    assert.equal(h.client.getTotalUnreadCount(), 3);
    changes.length = 0;
    totals.length = 0;

    await h.client.deleteMessage({ type: 'peer', id: 'bob' }, 'id7');
    await h.client.clearConversation({ type: 'peer', id: 'carol' });
    await h.client.deleteConversation({ type: 'peer', id: 'bob' });

    const deletes = h.calls.filter((c) => c.method === 'DELETE').map((c) => c.url.pathname);
    assert.deepEqual(deletes, [
      '/v1/conversations/peer/bob/messages/id7',
      '/v1/conversations/peer/carol/messages',
      '/v1/conversations/peer/bob',
    ]);
    assert.deepEqual(changes, ['bob:1:-', 'carol:0:-', 'bob:0:-:removed']);
    assert.deepEqual(totals, [2, 1, 0]);
    assert.equal(h.client.getConversation({ type: 'peer', id: 'bob' }), undefined);
    assert.equal(h.client.getTotalUnreadCount(), 0);
  });

  it('takes a v1.1 server\'s conversationChanged after a delete, removal and totalUnreadChanged as they come, once each', async () => {
    const h = harness();
    await loggedIn(h);
    const changes: string[] = [];
    const totals: number[] = [];
    h.client.on('conversationChanged', (e) =>
      changes.push(`${e.infoList[0]!.unreadCount}:${e.infoList[0]!.lastMessage?.messageId ?? '-'}${e.infoList[0]!.removed ? ':removed' : ''}`),
    );
    h.client.on('totalUnreadChanged', (e) => totals.push(e.totalUnreadCount));
    const bob = { type: 'peer', id: 'bob' };
    const message = (orderKey: number) => ({ type: 'text', text: `t${orderKey}`, messageId: `id${orderKey}`, orderKey, sender: { id: 'bob' }, timestamp: orderKey });
    h.server.last.push({ op: 'session', sessionId: 's', userId: 'alice', serverTime: 1 });
    h.server.last.push({ op: 'conversationChanged', conversation: bob, lastMessage: message(2), unreadCount: 2, mentions: [], updatedAt: 2 });
    h.server.last.push({ op: 'totalUnreadChanged', totalUnreadCount: 9 });
    // another device deleted message 2 for this user: the server's older last message is the truth now
    h.server.last.push({ op: 'conversationChanged', conversation: bob, lastMessage: message(1), unreadCount: 1, mentions: [], updatedAt: 2 });
    h.server.last.push({ op: 'totalUnreadChanged', totalUnreadCount: 8 });
    h.server.last.push({ op: 'totalUnreadChanged', totalUnreadCount: 8 });
    h.server.last.push({ op: 'conversationChanged', conversation: bob, unreadCount: 0, mentions: [], updatedAt: 2, removed: true });
    await h.clock.advance(10);
    assert.deepEqual(changes, ['2:id2', '1:id1', '0:id1:removed']);
    assert.deepEqual(totals, [9, 8]);
    assert.equal(h.client.getTotalUnreadCount(), 8, 'the server total covers conversations this client has not listed');
    assert.equal(h.client.getConversation({ type: 'peer', id: 'bob' }), undefined);
  });
  it('clears to a total of 0 when older live events land while the read is under way', async () => {
    const h = harness();
    await loggedIn(h);
    const bob = { type: 'peer', id: 'bob' };
    const message = (orderKey: number) => ({ type: 'text', text: `t${orderKey}`, messageId: `id${orderKey}`, orderKey, sender: { id: 'bob' }, timestamp: orderKey });
    h.server.last.push({ op: 'session', sessionId: 's', userId: 'alice', serverTime: 1 });
    h.server.last.push({ op: 'conversationChanged', conversation: bob, lastMessage: message(2), unreadCount: 1, mentions: [], updatedAt: 2 });
    h.server.last.push({ op: 'totalUnreadChanged', totalUnreadCount: 1 });
    await h.clock.advance(10);
    assert.equal(h.client.getTotalUnreadCount(), 1);
    // the events of an earlier moment (2 unread) reach the client while its read is at the server
    h.duringRead.run = () => {
      h.server.last.push({ op: 'conversationChanged', conversation: bob, lastMessage: message(2), unreadCount: 2, mentions: [], updatedAt: 2 });
      h.server.last.push({ op: 'totalUnreadChanged', totalUnreadCount: 2 });
    };
    await h.client.clearConversationUnread(bob as Conversation);
    assert.equal(h.client.getConversation(bob as Conversation)?.unreadCount, 0);
    assert.equal(h.client.getTotalUnreadCount(), 0);
  });
});

describe('IMClient groups', () => {
  it('calls the group API with roles: info, my groups, roles, transfer, leave, dismiss', async () => {
    const details = { groupId: 'g/1', name: 'Team', notice: '', avatarUrl: '', attributes: {}, owner: 'alice', members: [] };
    const seen: string[] = [];
    const { fetch, calls } = fakeFetch((method, url) => {
      seen.push(`${method} ${url.pathname}`);
      if (url.pathname.startsWith('/v1/conversations')) {
        return { body: { conversations: [], cursor: null, messages: [], hasMore: false } };
      }
      if (method === 'GET' && url.pathname === '/v1/groups') {
        return { body: { groups: [{ groupId: 'g/1', name: 'Team', role: 'owner', memberCount: 3 }] } };
      }
      if (url.pathname.endsWith('/leave') || (method === 'DELETE' && url.pathname === '/v1/groups/g%2F1')) {
        return { status: 204 };
      }
      if (url.pathname.startsWith('/v1/groups/')) {
        return { body: details };
      }
      return undefined;
    });
    const h = harness({ fetch });
    await loggedIn(h);

    assert.equal((await h.client.getGroup('g/1')).owner, 'alice');
    assert.deepEqual(await h.client.updateGroup('g/1', { notice: 'hi', attributes: { k: 'v' } }), details);
    assert.deepEqual(await h.client.myGroups(), [{ groupId: 'g/1', name: 'Team', role: 'owner', memberCount: 3 }]);
    await h.client.addGroupMembers('g/1', ['carol']);
    await h.client.setMemberRole('g/1', 'bob', 'admin');
    await h.client.transferOwner('g/1', 'bob');
    await h.client.removeGroupMember('g/1', 'carol');
    assert.equal(await h.client.leaveGroup('g/1'), undefined);
    assert.equal(await h.client.dismissGroup('g/1'), undefined);

    assert.deepEqual(seen.filter((c) => c.includes('/v1/groups')), [
      'GET /v1/groups/g%2F1',
      'PATCH /v1/groups/g%2F1',
      'GET /v1/groups',
      'POST /v1/groups/g%2F1/members',
      'PATCH /v1/groups/g%2F1/members/bob',
      'POST /v1/groups/g%2F1/owner',
      'DELETE /v1/groups/g%2F1/members/carol',
      'POST /v1/groups/g%2F1/leave',
      'DELETE /v1/groups/g%2F1',
    ]);
    const body = (path: string, method: string) => calls.find((c) => c.url.pathname === path && c.method === method)?.body;
    assert.deepEqual(body('/v1/groups/g%2F1', 'PATCH'), { notice: 'hi', attributes: { k: 'v' } });
    assert.deepEqual(body('/v1/groups/g%2F1/members/bob', 'PATCH'), { role: 'admin' });
    assert.deepEqual(body('/v1/groups/g%2F1/owner', 'POST'), { userId: 'bob' });
    assert.deepEqual(body('/v1/groups/g%2F1/members', 'POST'), { userIds: ['carol'] });
  });

  it('surfaces FORBIDDEN from a group call as an IMError with its code', async () => {
    const { fetch } = fakeFetch((_method, url) =>
      url.pathname.startsWith('/v1/groups')
        ? { status: 403, body: { error: { code: 'FORBIDDEN', message: 'only the owner dismisses' } } }
        : { body: { conversations: [], cursor: null } },
    );
    const h = harness({ fetch });
    await loggedIn(h);
    await assert.rejects(h.client.dismissGroup('g1'), (e: { code?: string }) => e.code === 'FORBIDDEN');
  });
});

describe('IMClient message features (v1.1)', () => {
  it('sends a reply with repliedTo, and a resend keeps it', async () => {
    const h = harness();
    await loggedIn(h);
    const sending = h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'sure' }, { repliedTo: 'm7' });
    await h.clock.advance(1);
    await sending;
    assert.deepEqual(h.server.last.sentOf('send')[0]?.repliedTo, { messageId: 'm7' });
    const failed = {
      type: 'text',
      text: 'again',
      conversation: { type: 'peer', id: 'bob' },
      direction: 'send',
      sentStatus: 'failed',
      clientMsgId: 'c-again',
      repliedTo: { messageId: 'm8', senderId: 'bob', type: 'text', preview: 'lunch?' },
    } as unknown as Message;
    const resent = h.client.resendMessage(failed);
    await h.clock.advance(1);
    await resent;
    const again = h.server.last.sentOf('send').at(-1)!;
    assert.deepEqual(again.repliedTo, { messageId: 'm8' });
    assert.deepEqual(again.message, { type: 'text', text: 'again' }, 'the quote is no part of the content');
    await assert.rejects(h.client.sendMessage({ type: 'peer', id: 'bob' }, { type: 'text', text: 'x' }, { repliedTo: '' }), /repliedTo/);
  });

  it('reacts and takes a reaction back, refusing an over-long one locally', async () => {
    const h = harness();
    await loggedIn(h);
    const reacting = h.client.react({ type: 'peer', id: 'bob' }, 'm1', '👍');
    await h.clock.advance(1);
    await reacting;
    const removing = h.client.react({ type: 'peer', id: 'bob' }, 'm1', '👍', { remove: true });
    await h.clock.advance(1);
    await removing;
    const sent = h.server.last.sentOf('react');
    assert.deepEqual(
      sent.map((f) => [f.messageId, f.reaction, f.remove]),
      [
        ['m1', '👍', undefined],
        ['m1', '👍', true],
      ],
    );
    await assert.rejects(h.client.react({ type: 'peer', id: 'bob' }, 'm1', 'x'.repeat(33)), /32 bytes/);
    h.server.onRequest = (_socket, frame) => ({ op: 'ack', id: frame.id, status: 'failed', error: { code: 'REACTION_LIMIT_REACHED', message: 'full' } });
    const refused = assert.rejects(h.client.react({ type: 'peer', id: 'bob' }, 'm1', '🎉'), (e: { code?: string }) => e.code === 'REACTION_LIMIT_REACHED');
    await h.clock.advance(1);
    await refused;
  });

  it('edits a message, updating the object passed, and surfaces the refusal code', async () => {
    const h = harness();
    await loggedIn(h);
    const message = { type: 'text', text: 'helo', messageId: 'm1', conversation: { type: 'peer', id: 'bob' }, direction: 'send' } as unknown as Message;
    const editing = h.client.editMessage(message, { type: 'text', text: 'hello' });
    await h.clock.advance(1);
    await editing;
    const sent = h.server.last.sentOf('edit')[0]!;
    assert.deepEqual([sent.messageId, sent.message, sent.to], ['m1', { type: 'text', text: 'hello' }, { type: 'peer', id: 'bob' }]);
    assert.equal(message.text, 'hello');
    assert.equal(typeof message.editedAt, 'number');
    h.server.onRequest = (_socket, frame) => ({ op: 'ack', id: frame.id, status: 'failed', error: { code: 'FORBIDDEN', message: 'not yours' } });
    const refused = assert.rejects(h.client.editMessage({ conversation: { type: 'peer', id: 'bob' }, messageId: 'm2' }, { type: 'text', text: 'x' }), (e: { code?: string }) => e.code === 'FORBIDDEN');
    await h.clock.advance(1);
    await refused;
  });

  it('emits reactionsChanged and messageEdited, and updates the cached last message', async () => {
    const h = harness();
    await loggedIn(h);
    incoming(h.server.last, 'bob', 1, null, 'helo');
    await settle();
    const events: string[] = [];
    h.client.on('reactionsChanged', (e) => events.push(`reactions:${e.messageId}:${e.reactions.map((r) => `${r.reaction}${r.count}`).join()}`));
    h.client.on('messageEdited', (e) => events.push(`edited:${e.message.messageId}:${String(e.message.text)}:${e.conversation.id}`));
    h.server.last.push({ op: 'reactionsChanged', conversation: { type: 'peer', id: 'bob' }, messageId: 'id1', reactions: [{ reaction: '👍', count: 2, userIds: ['alice', 'bob'] }] });
    await settle();
    assert.deepEqual(h.client.getConversation({ type: 'peer', id: 'bob' })?.lastMessage?.reactions, [{ reaction: '👍', count: 2, userIds: ['alice', 'bob'] }]);
    h.server.last.push({
      op: 'messageEdited',
      conversation: { type: 'peer', id: 'bob' },
      message: { type: 'text', text: 'hello', messageId: 'id1', orderKey: 1, sender: { id: 'bob' }, timestamp: 1_700_000_000_001, editedAt: 1_700_000_009_000, reactions: [{ reaction: '👍', count: 2, userIds: ['alice', 'bob'] }] },
    });
    await settle();
    assert.deepEqual(events, ['reactions:id1:👍2', 'edited:id1:hello:bob']);
    const last = h.client.getConversation({ type: 'peer', id: 'bob' })?.lastMessage;
    assert.equal(last?.text, 'hello');
    assert.equal(last?.editedAt, 1_700_000_009_000);
    assert.equal(last?.direction, 'receive');
  });
});
