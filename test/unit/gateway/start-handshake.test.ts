/**
 * The start handshake's own guarantees (src/gateway/start-handshake.ts): starting first, at
 * most one outcome, one transactionId throughout. test/integration/start-handshake.test.ts
 * checks the same contract end to end, through a real gateway and balancer.
 */
import t from 'tap';
import { EventBus, type EventName } from '../../../src/events.js';
import { beginStart } from '../../../src/gateway/start-handshake.js';
import type { SessionRecord } from '../../../src/store/ports.js';

const session = (transactionId: number, extra: Partial<SessionRecord> = {}) =>
  ({ chargerId: 'CP1', connectorId: 2, transactionId, idTag: 'TAG1', startedAt: '2025-06-01T11:00:00Z', receivedAt: '2025-06-01T11:00:01Z', meterStart: 0, state: 'active', authStatus: 'Accepted', ...extra }) as SessionRecord;

function bus() {
  const events = new EventBus();
  const seen: { name: EventName; transactionId: number }[] = [];
  for (const name of ['session.starting', 'session.started', 'session.startFailed'] as const) {
    events.on(name, (p) => seen.push({ name, transactionId: p.transactionId }));
  }
  return { events, seen };
}

t.test('starting at once; the answer names the announced transactionId and is told as started', async (t) => {
  const { events, seen } = bus();
  const handshake = beginStart(events, session(7));
  t.same(seen, [{ name: 'session.starting', transactionId: 7 }], 'announced before anything is answered');
  t.equal(handshake.transactionId, 7);
  const answer = handshake.answer(session(7, { authStatus: 'Blocked' }), { status: 'Blocked' });
  t.same(answer, { transactionId: 7, idTagInfo: { status: 'Blocked' } });
  t.same(seen.map((e) => e.name), ['session.starting', 'session.started']);
  handshake.fail();
  t.equal(seen.length, 2, 'a fail() after the answer tells nothing');
  t.throws(() => handshake.answer(session(7), { status: 'Accepted' }), /already settled/, 'never answered twice');
  t.equal(seen.length, 2);
});

t.test('a start that fails is taken back once, and cannot be answered after', async (t) => {
  const { events, seen } = bus();
  const payloads: unknown[] = [];
  events.on('session.startFailed', (p) => payloads.push(p));
  const handshake = beginStart(events, session(8));
  handshake.fail();
  handshake.fail();
  t.same(seen.map((e) => e.name), ['session.starting', 'session.startFailed'], 'one outcome');
  t.same(payloads, [{ chargerId: 'CP1', connectorId: 2, transactionId: 8 }], 'what the balancer needs to find the connector');
  t.throws(() => handshake.answer(session(8), { status: 'Accepted' }), /already settled/);
});

t.test('an answer for another transaction is refused, and nothing is told started', async (t) => {
  const { events, seen } = bus();
  const handshake = beginStart(events, session(9));
  t.throws(() => handshake.answer(session(10), { status: 'Accepted' }), /transaction 10 answered for the start of transaction 9/);
  handshake.fail();
  t.same(seen.map((e) => `${e.name} ${e.transactionId}`), ['session.starting 9', 'session.startFailed 9']);
});
