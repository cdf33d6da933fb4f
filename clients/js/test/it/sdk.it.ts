import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { decodeCommand, encodeCommand, type Conversation, type Message } from '../../src/index.js';
import { png } from './png.js';
import { newClient, stack, TOKEN_EXPIRY_WARNING_SECONDS, type TestClient } from './context.js';
import { uniqueUser, waitFor } from './stack.js';

const clients: TestClient[] = [];

async function client(name: string, options: Parameters<typeof newClient>[1] = {}): Promise<TestClient> {
  const c = await newClient(uniqueUser(name), options);
  clients.push(c);
  return c;
}

function peer(id: string): Conversation {
  return { type: 'peer', id };
}

function texts(messages: Message[], from?: string): string[] {
  return messages.filter((m) => !from || m.sender?.id === from).map((m) => String(m.text));
}

/** orderKeys strictly increase per conversation and no messageId repeats. */
function assertOrderedOnce(messages: Message[]): void {
  const ids = new Set<string>();
  const last = new Map<string, number>();
  for (const m of messages) {
    assert.ok(!ids.has(m.messageId!), `message ${m.messageId} (${String(m.text)}) handed over twice`);
    ids.add(m.messageId!);
    const key = `${m.conversation.type}:${m.conversation.id}`;
    assert.ok((last.get(key) ?? -1) < m.orderKey!, `${key}: ${m.orderKey} after ${last.get(key)}`);
    last.set(key, m.orderKey!);
  }
}

describe('SDK against the real stack', { timeout: 900_000 }, () => {
  // the stack starts here, not in the first test: on a busy machine it takes minutes
  before(async () => {
    await stack();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.client.logout().catch(() => undefined)));
  });

  it('sends and receives a peer message; the ack carries messageId, orderKey and timestamp', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    let attached: Message | undefined;
    const sent = await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'hello bob' }, {
      onMessageAttached: (m) => (attached = m),
    });
    assert.equal(attached, sent);
    assert.equal(sent.sentStatus, 'sent');
    assert.ok(sent.messageId && typeof sent.orderKey === 'number' && typeof sent.timestamp === 'number');
    await waitFor('bob receives it', () => bob.received.length === 1);
    const got = bob.received[0]!;
    assert.equal(got.text, 'hello bob');
    assert.equal(got.messageId, sent.messageId);
    assert.deepEqual(got.conversation, peer(alice.userId));
    assert.equal(got.direction, 'receive');
    await waitFor('bob sees 1 unread', () => bob.client.getConversation(peer(alice.userId))?.unreadCount === 1);
  });

  it('a killed socket reconnects and resends with the same clientMsgId: exactly one copy arrives', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    // the server takes the send, but its ack never reaches alice: the socket dies with the ack in flight
    let killed = false;
    alice.network.inbound = (frame) => {
      if (!killed && frame.op === 'ack' && typeof frame.messageId === 'string') {
        killed = true;
        return 'kill';
      }
      return 'deliver';
    };
    const sent = await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'exactly once' });
    assert.ok(killed, 'the socket was killed before the ack arrived');
    const sends = alice.network.sentOf('send');
    assert.equal(sends.length, 2, 'sent, then resent after the reconnect');
    assert.equal(sends[0]!.clientMsgId, sends[1]!.clientMsgId);
    assert.equal(sent.clientMsgId, sends[0]!.clientMsgId);
    assert.ok(alice.network.opened >= 2);
    assert.ok(alice.states.includes('reconnecting:networkError'));
    // a later message in the same conversation arrives after any copy of the first would
    await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'marker' });
    await waitFor('bob receives the marker', () => texts(bob.received).includes('marker'));
    assert.deepEqual(texts(bob.received), ['exactly once', 'marker']);
    // history stores what routing delivered, on its own schedule
    await waitFor('history holds both, once', async () => {
      const history = await bob.client.queryHistoryMessage(peer(alice.userId), { count: 10 });
      return history.messages.length >= 2;
    });
    const history = await bob.client.queryHistoryMessage(peer(alice.userId), { count: 10 });
    assert.deepEqual(texts(history.messages), ['exactly once', 'marker']);
    assert.equal(history.messages[0]!.messageId, sent.messageId);
  });

  it('a gap revealed by prevOrderKey is synced from history, in order', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'one' });
    await waitFor('bob gets one', () => texts(bob.received).includes('one'));
    // bob's socket loses the push of "two" (and only that: the gateway writes a conversation's messages of one poll in
    // one frame, so "three" may come in the same frame, and dropping the frame would lose it too)
    bob.network.inbound = (frame) => {
      const messages = (frame.messages as Array<{ text?: string }> | undefined) ?? [];
      if (frame.op !== 'messages' || !messages.some((m) => m.text === 'two')) {
        return 'deliver';
      }
      const others = messages.filter((m) => m.text !== 'two');
      return others.length === 0 ? 'drop' : { ...frame, messages: others };
    };
    await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'two' });
    await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'three' });
    await waitFor('bob gets three', () => texts(bob.received).includes('three'));
    assert.deepEqual(texts(bob.received), ['one', 'two', 'three']);
    assertOrderedOnce(bob.received);
    assert.equal(bob.network.opened, 1, 'no reconnect was needed');
  });

  it('renews a short-lived token on tokenWillExpire without dropping the connection', async () => {
    const ttl = TOKEN_EXPIRY_WARNING_SECONDS + 4;
    const carol = await client('carol', { ttlSeconds: ttl });
    const dave = await client('dave');
    const renewed: number[] = [];
    carol.client.on('tokenRenewed', () => renewed.push(Date.now()));
    const loginAt = Date.now();
    // outlive the first token and the one after it
    await waitFor('two renewals', () => renewed.length >= 2, 30_000);
    await waitFor('past the first token', () => Date.now() > loginAt + ttl * 1000 + 1_000, 30_000);
    assert.equal(carol.client.connectionState, 'connected');
    assert.equal(carol.network.opened, 1, 'the same socket all along');
    assert.ok(carol.tokensIssued >= 3);
    assert.ok(carol.network.sentOf('renewToken').length >= 2);
    await carol.client.sendMessage(peer(dave.userId), { type: 'text', text: 'still here' });
    await waitFor('dave receives', () => texts(dave.received).includes('still here'));
  });

  it('laptop sleep: offline while messages arrive, then every message shown once, in order', async () => {
    // the sleeper's token expires during the sleep, so waking needs a fresh one from tokenProvider
    const sleeper = await client('sleeper', { ttlSeconds: TOKEN_EXPIRY_WARNING_SECONDS + 6 });
    const alice = await client('alice');
    const newcomer = await client('newcomer');
    const group = `g-${sleeper.userId}`;
    await alice.client.createGroup({ groupId: group, name: 'Sleepers', members: [sleeper.userId, newcomer.userId] });
    await alice.client.sendMessage(peer(sleeper.userId), { type: 'text', text: 'before 0' });
    await waitFor('sleeper is in sync', () => texts(sleeper.received).includes('before 0'));

    const syncStates: string[] = [];
    sleeper.client.on('conversationSyncStateChanged', (e) => syncStates.push(e.state));
    const tokenExpAtSleep = sleeper.lastTokenExp;
    const tokensAtSleep = sleeper.tokensIssued;
    sleeper.network.goOffline();
    const sentWhileAway: string[] = [];
    for (let i = 1; i <= 20; i++) {
      await alice.client.sendMessage(peer(sleeper.userId), { type: 'text', text: `away ${i}` });
      sentWhileAway.push(`away ${i}`);
    }
    for (let i = 1; i <= 5; i++) {
      await alice.client.sendMessage({ type: 'group', id: group }, { type: 'text', text: `group ${i}` });
    }
    // a conversation the sleeper has never seen
    await newcomer.client.sendMessage(peer(sleeper.userId), { type: 'text', text: 'new here' });
    await waitFor('the sleeping link is noticed', () => sleeper.client.connectionState !== 'connected', 15_000);
    // stay away until the token held when the lid closed has expired
    await waitFor('the token expires during the sleep', () => Date.now() > tokenExpAtSleep + 1_000, 20_000);

    sleeper.network.goOnline();
    await waitFor('connected again', () => sleeper.client.connectionState === 'connected', 20_000);
    // + 1: the group's groupCreated tips (v1.1)
    await waitFor('caught up', () => sleeper.received.length >= 1 + 1 + 20 + 5 + 1, 20_000);
    await waitFor('synced', () => syncStates.includes('synced'));

    assertOrderedOnce(sleeper.received);
    assert.deepEqual(texts(sleeper.received, alice.userId).filter((t) => t.startsWith('before') || t.startsWith('away')), [
      'before 0',
      ...sentWhileAway,
    ]);
    assert.deepEqual(
      sleeper.received.filter((m) => m.conversation.type === 'group' && m.type === 'text').map((m) => m.text),
      ['group 1', 'group 2', 'group 3', 'group 4', 'group 5'],
    );
    assert.deepEqual(texts(sleeper.received, newcomer.userId), ['new here']);
    assert.ok(sleeper.tokensIssued > tokensAtSleep, 'a fresh token after the sleep');
    // unread counts match the server's own figures
    const local = new Map(sleeper.client.getConversations().map((c) => [`${c.conversation.type}:${c.conversation.id}`, c.unreadCount]));
    const server = await sleeper.client.queryConversationList({ count: 50 });
    assert.equal(server.conversations.length, 3);
    for (const info of server.conversations) {
      assert.equal(local.get(`${info.conversation.type}:${info.conversation.id}`), info.unreadCount);
    }
    assert.equal(local.get(`peer:${alice.userId}`), 21);
    // nothing more arrives later: the catch-up did not double anything
    await alice.client.sendMessage(peer(sleeper.userId), { type: 'text', text: 'after' });
    await waitFor('after arrives', () => texts(sleeper.received).includes('after'));
    assertOrderedOnce(sleeper.received);
    // the groupCreated tips, before 0, 20 away, 5 group texts, new here, after
    assert.equal(sleeper.received.length, 1 + 1 + 20 + 5 + 1 + 1);
  });

  it('media: upload with progress, image message with thumbnails', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    const progress: number[] = [];
    let attached: Message | undefined;
    const sent = await alice.client.sendMediaMessage(
      peer(bob.userId),
      { type: 'image', file: { data: png(64, 48), fileName: 'dot.png', mimeType: 'image/png' } },
      { onProgress: (p) => progress.push(p.loaded / p.total), onMessageAttached: (m) => (attached = m) },
    );
    assert.equal(attached, sent);
    assert.equal(progress.at(-1), 1);
    assert.equal(sent.type, 'image');
    assert.ok(sent.mediaId);
    await waitFor('bob gets the image', () => bob.received.some((m) => m.type === 'image'));
    const image = bob.received.find((m) => m.type === 'image')!;
    assert.equal(image.width, 64);
    assert.equal(image.height, 48);
    const thumb = await fetch(String(image.thumbnailDownloadUrl));
    assert.equal(thumb.status, 200);
  });

  it('recall, receipts, unread, search, groups, rooms, commands and broadcasts', async () => {
    const s = await stack();
    const alice = await client('alice');
    const bob = await client('bob');
    const events: string[] = [];
    bob.client.on('messageRevoked', (e) => events.push(`revoked:${e.messageId}`));
    alice.client.on('messageReceiptChanged', (e) => events.push(`receipt:${e.kind}`));
    bob.client.on('broadcastMessageReceived', (e) => events.push(`broadcast:${String(e.message.text)}`));

    const keep = await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'searchable pineapple' }, { receipt: true });
    const oops = await alice.client.sendMessage(peer(bob.userId), { type: 'text', text: 'oops' });
    await waitFor('bob has both', () => bob.received.length === 2);
    await alice.client.revokeMessage(oops);
    await waitFor('bob hears of the recall', () => events.includes(`revoked:${oops.messageId}`));
    await waitFor('the recall leaves the unread count', () => bob.client.getConversation(peer(alice.userId))?.unreadCount === 1);
    await bob.client.clearConversationUnread(peer(alice.userId));
    assert.equal(bob.client.getTotalUnreadCount(), 0);
    await waitFor('alice gets the read receipt', () => events.includes('receipt:read'));
    // the live receipt (routing) can reach alice before history has stored it: two consumers of the same record
    await waitFor('history has the read receipt', async () =>
      (await alice.client.queryMessageReceipts(peer(bob.userId), keep.orderKey!)).read.includes(bob.userId),
    );
    await waitFor('search finds it', async () => (await bob.client.searchMessages('pineapple')).some((m) => m.messageId === keep.messageId));

    const group = `team-${alice.userId}`;
    const created = await alice.client.createGroup({ groupId: group, name: 'Team', members: [bob.userId] });
    assert.ok(created.members.includes(bob.userId));
    await alice.client.sendMessage({ type: 'group', id: group }, { type: 'text', text: 'hi team' }, { mentions: { userIds: [bob.userId] } });
    await waitFor('bob gets the group message', () => bob.received.some((m) => m.conversation.type === 'group'));
    await waitFor('bob has a pending mention', () => bob.client.getConversation({ type: 'group', id: group })?.mentions.length === 1);

    const room = `room-${alice.userId}`;
    await alice.client.enterRoom(room);
    await bob.client.enterRoom(room);
    await waitFor('barrage and typing reach bob', async () => {
      await alice.client.sendMessage({ type: 'room', id: room }, { type: 'barrage', text: 'wow' });
      await alice.client.sendMessage({ type: 'room', id: room }, { type: 'command', data: encodeCommand({ typing: true }) });
      return (
        bob.received.some((m) => m.type === 'barrage' && m.text === 'wow') &&
        bob.received.some((m) => m.type === 'command' && (decodeCommand(String(m.data)) as { typing?: boolean }).typing === true)
      );
    });

    const admin = s.token('ops', { admin: true });
    await waitFor('bob gets the broadcast', async () => {
      await fetch(`${s.pushUrl}/v1/admin/broadcasts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: { type: 'text', text: 'maintenance at noon' } }),
      });
      return events.includes('broadcast:maintenance at noon');
    });
  });
});

