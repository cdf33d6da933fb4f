import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Sequencer, type Page } from '../../src/sequencer.js';
import type { Conversation, Message } from '../../src/types.js';
import { FakeClock } from './fakes.js';

const bob: Conversation = { type: 'peer', id: 'bob' };

function msg(orderKey: number, prevOrderKey: number | null, extra: Partial<Message> = {}): Message {
  return {
    type: 'text',
    text: `m${orderKey}`,
    messageId: `id${orderKey}`,
    orderKey,
    prevOrderKey,
    timestamp: 1000 + orderKey,
    sender: { id: 'bob' },
    conversation: bob,
    direction: 'receive',
    ...extra,
  } as Message;
}

function setup(history: Message[] = [], options: { own?: Set<string> } = {}) {
  const clock = new FakeClock();
  const delivered: number[] = [];
  const fetches: number[] = [];
  const unresolved: Array<[number, number]> = [];
  const stored = history;
  const sequencer = new Sequencer(
    {
      async fetchAfter(_c, after, limit): Promise<Page> {
        fetches.push(after);
        const page = stored.filter((m) => m.orderKey! > after).sort((a, b) => a.orderKey! - b.orderKey!);
        return { messages: page.slice(0, limit), hasMore: page.length > limit };
      },
      async fetchLatest(_c, limit, before): Promise<Page> {
        const page = stored
          .filter((m) => before === undefined || m.orderKey! < before)
          .sort((a, b) => b.orderKey! - a.orderKey!);
        return { messages: page.slice(0, limit).reverse(), hasMore: page.length > limit };
      },
      deliver(_c, messages) {
        delivered.push(...messages.map((m) => m.orderKey!));
      },
      isOwnLocal: (m) => options.own?.has(m.clientMsgId ?? '') ?? false,
      onGapUnresolved: (_c, from, to) => unresolved.push([from, to]),
      setTimer: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimer: (h) => clock.clearTimeout(h),
    },
    { pageSize: 2, gapRetries: 2, gapRetryDelayMs: 100 },
  );
  return { sequencer, delivered, fetches, unresolved, clock, stored };
}

describe('Sequencer', () => {
  it('delivers a contiguous chain in orderKey order, once', async () => {
    const { sequencer, delivered, fetches, clock } = setup();
    sequencer.baseline(bob, 5);
    sequencer.push(bob, [msg(9, 7), msg(7, 5)]);
    sequencer.push(bob, [msg(7, 5), msg(12, 9)]);
    await clock.advance(10);
    assert.deepEqual(delivered, [7, 9, 12]);
    assert.deepEqual(fetches, []);
  });

  it('fills a gap from history before handing over what came after it', async () => {
    const { sequencer, delivered, fetches, clock } = setup([msg(7, 5), msg(8, 7), msg(9, 8), msg(11, 9)]);
    sequencer.baseline(bob, 5);
    sequencer.push(bob, [msg(11, 9)]);
    assert.deepEqual(delivered, [], 'nothing is handed over past a gap');
    await clock.advance(10);
    assert.deepEqual(delivered, [7, 8, 9, 11]);
    assert.equal(fetches[0], 5);
  });

  it('holds messages that arrive while a sync runs and delivers them after it, in order', async () => {
    const { sequencer, delivered, clock, stored } = setup([msg(7, 5), msg(8, 7)]);
    sequencer.baseline(bob, 5);
    sequencer.push(bob, [msg(8, 7)]);
    stored.push(msg(10, 8));
    sequencer.push(bob, [msg(10, 8)]);
    await clock.advance(10);
    assert.deepEqual(delivered, [7, 8, 10]);
  });

  it('retries while history lags behind, then gives the gap up and delivers what waited', async () => {
    const { sequencer, delivered, unresolved, clock, stored } = setup([]);
    sequencer.baseline(bob, 5);
    sequencer.push(bob, [msg(9, 7)]);
    await clock.advance(50);
    assert.deepEqual(delivered, []);
    // history stores 7 on the second try
    stored.push(msg(7, 5), msg(9, 7));
    await clock.advance(1_000);
    assert.deepEqual(delivered, [7, 9]);
    assert.deepEqual(unresolved, []);

    sequencer.push(bob, [msg(20, 15)]);
    await clock.advance(5_000);
    assert.deepEqual(delivered, [7, 9, 20]);
    assert.deepEqual(unresolved, [[9, 20]]);
  });

  it('takes own acked sends as known predecessors and never delivers them', async () => {
    const own = new Set(['c-mine']);
    const { sequencer, delivered, fetches, clock } = setup([msg(7, 5), msg(10, 7, { clientMsgId: 'c-mine' }), msg(12, 10)], { own });
    sequencer.baseline(bob, 5);
    sequencer.ownAck(bob, 10);
    sequencer.push(bob, [msg(7, 5)]);
    sequencer.push(bob, [msg(12, 10)]);
    await clock.advance(10);
    assert.deepEqual(delivered, [7, 12]);
    assert.deepEqual(fetches, []);
  });

  it('starts a conversation it has no position in at its first message', async () => {
    const { sequencer, delivered, fetches, clock } = setup();
    sequencer.push(bob, [msg(40, 33)]);
    sequencer.push(bob, [msg(41, 40)]);
    await clock.advance(10);
    assert.deepEqual(delivered, [40, 41]);
    assert.deepEqual(fetches, []);
  });

  it('syncs a known conversation after a reconnect and skips what it holds already', async () => {
    const { sequencer, delivered, clock } = setup([msg(7, 5), msg(8, 7), msg(9, 8), msg(10, 9), msg(11, 10)]);
    sequencer.baseline(bob, 5);
    sequencer.push(bob, [msg(7, 5), msg(8, 7)]);
    await sequencer.sync(bob);
    await clock.advance(10);
    assert.deepEqual(delivered, [7, 8, 9, 10, 11]);
  });

  it('catches up a conversation new to it from a point in time', async () => {
    const { sequencer, delivered, clock } = setup([msg(1, null), msg(2, 1), msg(3, 2), msg(4, 3), msg(5, 4)]);
    await sequencer.catchUpNew(bob, 1003);
    sequencer.push(bob, [msg(6, 5)]);
    await clock.advance(10);
    assert.deepEqual(delivered, [3, 4, 5, 6]);
  });

  it('asks history when the server did not know the predecessor', async () => {
    const { sequencer, delivered, fetches, clock } = setup([msg(7, 5), msg(8, 7), msg(9, null)]);
    sequencer.baseline(bob, 5);
    sequencer.push(bob, [msg(9, null)]);
    await clock.advance(10);
    assert.deepEqual(fetches, [5, 8], 'two pages of two');
    assert.deepEqual(delivered, [7, 8, 9]);
  });
});
