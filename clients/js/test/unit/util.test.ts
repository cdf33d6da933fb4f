import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConversationStore } from '../../src/conversations.js';
import type { Message } from '../../src/types.js';
import { backoffDelay, decodeCommand, encodeCommand, tokenExpiry } from '../../src/util.js';
import { fakeToken } from './fakes.js';

describe('util', () => {
  it('backs off exponentially with jitter inside [step/2, step], capped', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const step = Math.min(30_000, 500 * 2 ** attempt);
      assert.equal(backoffDelay(attempt, 500, 30_000, () => 0), step / 2);
      assert.equal(backoffDelay(attempt, 500, 30_000, () => 1), step);
    }
  });

  it('reads the expiry of a JWT', () => {
    assert.equal(tokenExpiry(fakeToken('a', 1_700_000_123_000)), 1_700_000_123_000);
    assert.equal(tokenExpiry('not-a-jwt'), undefined);
  });

  it('round-trips command data through base64, unicode included', () => {
    const data = encodeCommand({ kind: 'typing', who: 'Zoë 😀' });
    assert.deepEqual(decodeCommand(data), { kind: 'typing', who: 'Zoë 😀' });
    assert.equal(decodeCommand(encodeCommand('plain')), 'plain');
  });
});

describe('ConversationStore', () => {
  const bob = { type: 'peer' as const, id: 'bob' };
  const m = (k: number, extra: Partial<Message> = {}) =>
    ({ type: 'text', text: 'x', messageId: `id${k}`, orderKey: k, timestamp: k, sender: { id: 'bob' }, conversation: bob, direction: 'receive', ...extra }) as Message;

  it('counts a message once, and nothing the server figure already covers', () => {
    const store = new ConversationStore(() => 'alice');
    store.applyServer({ conversation: bob, lastMessage: m(5), unreadCount: 3, mentions: [], updatedAt: 5 });
    store.onMessages(bob, [m(4), m(5), m(6)]);
    store.onMessages(bob, [m(6)]);
    assert.equal(store.get(bob)?.unreadCount, 4);
    store.applyServer({ conversation: bob, lastMessage: m(6), unreadCount: 4, mentions: [], updatedAt: 6 });
    store.onMessages(bob, [m(6), m(7, { mentions: { userIds: ['alice'] } })]);
    assert.equal(store.get(bob)?.unreadCount, 5);
    assert.equal(store.get(bob)?.mentions.length, 1);
    store.onRevoked(bob, 'id7');
    assert.equal(store.get(bob)?.unreadCount, 4);
    assert.equal(store.get(bob)?.mentions.length, 0);
    assert.equal(store.get(bob)?.lastMessage?.revoked, true);
    store.onRead(bob, 7);
    assert.equal(store.totalUnread(), 0);
  });

  it('does not count own messages', () => {
    const store = new ConversationStore(() => 'alice');
    store.onMessages(bob, [m(1, { direction: 'send', sender: { id: 'alice' } })]);
    assert.equal(store.get(bob)?.unreadCount, 0);
    assert.equal(store.get(bob)?.lastMessage?.orderKey, 1);
  });
});
