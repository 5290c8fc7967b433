/**
 * OcppSession.holdOutbound / releaseOutbound: outbound CALLs wait (in order) until the owner
 * says the peer is ready, except the actions it names; a held call fails in time, never hangs.
 */
import t from 'tap';
import { OcppOfflineError, OcppTimeoutError } from '../../../src/ocpp/errors.js';
import { OcppHeldError, OcppSession, type CallHandler, type SessionOptions } from '../../../src/ocpp/session.js';
import { silentLogger } from '../../../src/log.js';
import { installFakeTimers } from '../../helpers/fake-timers.js';

function session(handler: CallHandler = () => ({}), extra: Partial<SessionOptions> = {}) {
  const sent: unknown[][] = [];
  let waiter: (() => void) | null = null;
  const s = new OcppSession({
    version: 'ocpp1.6',
    role: 'central',
    handler,
    logger: silentLogger(),
    callTimeoutMs: 2000,
    socket: {
      send: (text) => {
        sent.push(JSON.parse(text) as unknown[]);
        waiter?.();
      },
      close: () => undefined,
    },
    ...extra,
  });
  const sentCount = async (count: number) => {
    while (sent.length < count) await new Promise<void>((r) => (waiter = r));
  };
  /** Answers the CALL sent at index i with `payload`. */
  const answer = (i: number, payload: unknown) => s.receive(JSON.stringify([3, sent[i]![1], payload]));
  return { s, sent, sentCount, answer };
}

const TRIGGER = new Set(['TriggerMessage']);
const REASON = 'the peer has not registered';
const boot = { chargePointVendor: 'V', chargePointModel: 'M' };
const bootConf = { status: 'Accepted', currentTime: '2025-06-01T00:00:00Z', interval: 60 };
/** Lets pending microtasks and immediates run: "nothing was sent" is then a fact, not a race. */
const settle = () => new Promise((r) => setImmediate(r));

t.test('held calls queue in order; the excepted action overtakes them; release sends them after', async (t) => {
  const { s, sent, sentCount, answer } = session();
  s.holdOutbound({ except: TRIGGER, reason: REASON });
  t.equal(s.outboundHeld, true);
  const reset = s.call('Reset', { type: 'Soft' });
  const clear = s.call('ClearCache', {});
  const trigger = s.call('TriggerMessage', { requestedMessage: 'BootNotification' });
  await sentCount(1);
  await settle();
  t.same(sent.map((f) => f[2]), ['TriggerMessage'], 'only the excepted action went out');
  t.equal(s.pendingCalls, 3);
  answer(0, { status: 'Accepted' });
  t.same(await trigger, { status: 'Accepted' });
  await settle();
  t.equal(sent.length, 1, 'the held calls still wait after it was answered');

  s.releaseOutbound();
  t.equal(s.outboundHeld, false);
  await sentCount(2);
  t.same(sent[1]!.slice(2), ['Reset', { type: 'Soft' }], 'the first held call goes first');
  await settle();
  t.equal(sent.length, 2, 'still one CALL at a time (OCPP-J 1.6 §4.1.1)');
  answer(1, { status: 'Accepted' });
  t.same(await reset, { status: 'Accepted' });
  await sentCount(3);
  t.equal(sent[2]![2], 'ClearCache');
  answer(2, { status: 'Accepted' });
  t.same(await clear, { status: 'Accepted' });
});

t.test('a call made while held that is still unsent after callTimeoutMs fails with a clear error', async (t) => {
  // Fake time: "not before its timeout" is a fact of the test, not a stopwatch reading.
  const clock = installFakeTimers(t);
  const { s, sent, sentCount, answer } = session(() => ({}), { callTimeoutMs: 60 });
  s.holdOutbound({ except: TRIGGER, reason: REASON });
  let err: unknown;
  void s.call('Reset', { type: 'Soft' }).catch((e: unknown) => (err = e));
  clock.tick(59);
  await settle();
  t.equal(err, undefined, 'not before its timeout');
  t.equal(s.pendingCalls, 1);
  clock.tick(1);
  await settle();
  t.ok(err instanceof OcppHeldError, 'failed at its timeout');
  t.ok(err instanceof OcppTimeoutError, 'an OcppTimeoutError, so existing handlers of "no answer in time" apply');
  t.match(err, { action: 'Reset', timeoutMs: 60, reason: REASON, message: 'Reset was not sent within 60 ms: the peer has not registered' });
  t.equal(sent.length, 0, 'it was never sent');
  t.equal(s.pendingCalls, 0, 'and it left the queue');
  // The session works on: after a release a new call goes straight out.
  s.releaseOutbound();
  const next = s.call('ClearCache', {});
  await sentCount(1);
  answer(0, { status: 'Accepted' });
  t.same(await next, { status: 'Accepted' });
});

t.test('a released call is not failed by its hold timer; calls queued before the hold are held too', async (t) => {
  const clock = installFakeTimers(t);
  const { s, sent, sentCount, answer } = session(() => ({}), { callTimeoutMs: 60 });
  const first = s.call('Reset', { type: 'Soft' });
  const queued = s.call('ClearCache', {}).catch((e: unknown) => e);
  await sentCount(1);
  s.holdOutbound({ except: TRIGGER, reason: REASON });
  answer(0, { status: 'Accepted' });
  t.same(await first, { status: 'Accepted' }, 'the outstanding call is not recalled');
  clock.tick(60);
  const err = await queued;
  t.ok(err instanceof OcppHeldError, 'the call queued before the hold was held and timed out');
  t.equal(sent.length, 1);

  const late = s.call('ClearCache', {});
  clock.tick(30);
  s.releaseOutbound();
  await sentCount(2);
  // Answered after its hold timer would have fired (60 ms after the call): the answer settles it.
  clock.tick(45);
  await settle();
  answer(1, { status: 'Accepted' });
  t.same(await late, { status: 'Accepted' });
});

t.test('releaseAfterAnswer: the answer that readies the peer is on the wire before the first held call', async (t) => {
  const seen: string[] = [];
  let s!: OcppSession;
  const h = session((action) => {
    seen.push(action);
    if (action === 'Heartbeat') return { currentTime: '2025-06-01T00:00:00Z' };
    // A listener that reacts to the boot by sending a call at once: it must still come after.
    void s.call('Reset', { type: 'Soft' });
    return bootConf;
  });
  s = h.s;
  s.holdOutbound({ except: TRIGGER, reason: REASON, releaseAfterAnswer: (action, response) => action === 'BootNotification' && (response as { status: string }).status === 'Accepted' });
  const held = s.call('ClearCache', {});
  s.receive(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  await h.sentCount(1);
  await settle();
  t.same(h.sent, [[3, 'h1', { currentTime: '2025-06-01T00:00:00Z' }]], 'another answer does not release');
  t.equal(s.outboundHeld, true);
  s.receive(JSON.stringify([2, 'b1', 'BootNotification', boot]));
  await h.sentCount(3);
  t.same(h.sent[1], [3, 'b1', bootConf], 'BootNotification.conf first');
  t.same(h.sent[2]!.slice(2), ['ClearCache', {}], 'then the held calls, in order');
  t.equal(s.outboundHeld, false);
  h.answer(2, { status: 'Accepted' });
  t.same(await held, { status: 'Accepted' });
  await h.sentCount(4);
  t.same(h.sent[3]!.slice(2), ['Reset', { type: 'Soft' }]);
  t.same(seen, ['Heartbeat', 'BootNotification']);
});

t.test('releaseAfterAnswer: a refused answer (CALLERROR) or a throwing predicate does not release', async (t) => {
  const h = session((action) => {
    if (action === 'BootNotification') throw new Error('store is down');
    return { currentTime: '2025-06-01T00:00:00Z' };
  });
  let asked = 0;
  h.s.holdOutbound({
    except: TRIGGER,
    reason: REASON,
    releaseAfterAnswer: (action) => {
      asked++;
      if (action === 'Heartbeat') throw new Error('bug in the owner');
      return true;
    },
  });
  h.s.receive(JSON.stringify([2, 'b1', 'BootNotification', boot]));
  h.s.receive(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  await h.sentCount(2);
  await settle();
  t.match(h.sent[0], [4, 'b1', 'InternalError']);
  t.same(h.sent[1], [3, 'h1', { currentTime: '2025-06-01T00:00:00Z' }], 'the answer was sent, and only once');
  t.equal(asked, 1, 'asked after the CALLRESULT only');
  t.equal(h.s.outboundHeld, true);
});

t.test('closing rejects the held calls as offline and stops their timers', async (t) => {
  const { s, sent } = session(() => ({}), { callTimeoutMs: 40 });
  s.holdOutbound({ except: TRIGGER, reason: REASON });
  const a = s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
  const b = s.call('ClearCache', {}).catch((e: unknown) => e);
  s.closed('closed (1006)');
  for (const err of [await a, await b]) {
    t.ok(err instanceof OcppOfflineError);
    t.equal((err as Error).message, 'peer is offline: closed (1006)');
  }
  t.equal(s.outboundHeld, false);
  t.equal(sent.length, 0);
  // Hold after close is a no-op, and a call is refused as offline at once.
  s.holdOutbound({ except: TRIGGER, reason: REASON });
  t.equal(s.outboundHeld, false);
  t.ok((await s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e)) instanceof OcppOfflineError);
});

t.test('an invalid call is refused at once even while held (nothing queued)', async (t) => {
  const { s } = session();
  s.holdOutbound({ except: TRIGGER, reason: REASON });
  const err = await s.call('Reset', { type: 'Later' }).catch((e: unknown) => e);
  t.match(err, { code: 'PropertyConstraintViolation' });
  t.equal(s.pendingCalls, 0);
});
