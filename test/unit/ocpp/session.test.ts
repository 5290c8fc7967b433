import t from 'tap';
import { OcppCallError, OcppOfflineError, OcppTimeoutError, OcppUnreadableAnswerError, type ErrorCode } from '../../../src/ocpp/errors.js';
import { MAX_QUEUED_CALLS, OcppSession, type CallHandler, type ProtocolErrorInfo, type SessionOptions } from '../../../src/ocpp/session.js';
import { silentLogger } from '../../../src/log.js';
import { installFakeTimers } from '../../helpers/fake-timers.js';

/**
 * One session with its wire exposed: what it sends is collected, what the "peer" says is fed
 * in with receive(). The session under test is real; only the transport is a list.
 */
function session(role: 'central' | 'charger', handler: CallHandler, extra: Partial<SessionOptions> = {}) {
  const sent: unknown[] = [];
  const errors: ProtocolErrorInfo[] = [];
  let waiter: (() => void) | null = null;
  const s = new OcppSession({
    version: 'ocpp1.6',
    role,
    handler,
    logger: silentLogger(),
    callTimeoutMs: 2000,
    onProtocolError: (e) => errors.push(e),
    socket: {
      send: (text) => {
        sent.push(JSON.parse(text));
        waiter?.();
      },
      close: () => undefined,
    },
    ...extra,
  });
  /** Resolves once `count` frames have been sent in total. */
  const sentCount = async (count: number) => {
    while (sent.length < count) await new Promise<void>((r) => (waiter = r));
  };
  return { s, sent, errors, sentCount };
}

const boot = { chargePointVendor: 'V', chargePointModel: 'M' };

t.test('an inbound CALL is validated, handled and answered', async (t) => {
  const seen: unknown[] = [];
  const { s, sent, sentCount } = session('central', (action, payload) => {
    seen.push([action, payload]);
    return { status: 'Accepted', currentTime: '2025-06-01T00:00:00Z', interval: 60 };
  });
  s.receive(JSON.stringify([2, 'b1', 'BootNotification', boot]));
  await sentCount(1);
  t.same(sent, [[3, 'b1', { status: 'Accepted', currentTime: '2025-06-01T00:00:00Z', interval: 60 }]]);
  t.same(seen, [['BootNotification', boot]]);
});

t.test('a handler that fails: its OcppCallError, or InternalError without internals', async (t) => {
  const { s, sent, sentCount, errors } = session('central', (action) => {
    if (action === 'Authorize') throw new OcppCallError('SecurityError', 'not here');
    if (action === 'Heartbeat') throw new Error('database is locked at /var/lib/secret');
    return { wrong: true };
  });
  s.receive(JSON.stringify([2, 'a1', 'Authorize', { idTag: 'T' }]));
  s.receive(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  s.receive(JSON.stringify([2, 'b1', 'BootNotification', boot]));
  await sentCount(3);
  t.same(sent, [
    [4, 'a1', 'SecurityError', 'not here', {}],
    [4, 'h1', 'InternalError', 'Heartbeat could not be processed', {}],
    [4, 'b1', 'InternalError', 'the response could not be built', {}],
  ], 'our own invalid response is never sent');
  t.same(errors.map((e) => [e.direction, e.code, e.action]), [['in', 'SecurityError', 'Authorize'], ['in', 'InternalError', 'Heartbeat'], ['in', 'InternalError', 'BootNotification']]);
});

t.test('rescue: an invalid CALL is handled with the payload it gives, answered as it says, or refused', async (t) => {
  const handled: unknown[] = [];
  const { s, sent, sentCount } = session(
    'central',
    (_action, payload) => {
      handled.push(payload);
      return {};
    },
    {
      rescue: async ({ action, payload }) => {
        if (action === 'StopTransaction') return { payload: { ...(payload as object), reason: 'Other' } };
        if (action === 'MeterValues') return { answer: {} };
        return null;
      },
    },
  );
  s.receive(JSON.stringify([2, 's1', 'StopTransaction', { transactionId: 1, meterStop: 1, timestamp: 'x', reason: 'Nope' }]));
  s.receive(JSON.stringify([2, 'm1', 'MeterValues', { connectorId: 1 }]));
  s.receive(JSON.stringify([2, 'a1', 'Authorize', {}]));
  await sentCount(3);
  const byId = Object.fromEntries(sent.map((f) => [(f as unknown[])[1], f]));
  t.same(byId, { s1: [3, 's1', {}], m1: [3, 'm1', {}], a1: [4, 'a1', 'OccurenceConstraintViolation', 'Authorize: idTag is required', { path: '', keyword: 'required' }] });
  t.same(handled, [{ transactionId: 1, meterStop: 1, timestamp: 'x', reason: 'Other' }], 'the handler saw the rescued payload only');
});

t.test('a resend of a CALL still being handled is answered once', async (t) => {
  let release!: () => void;
  let calls = 0;
  const { s, sent, sentCount } = session('central', async () => {
    calls++;
    await new Promise<void>((r) => (release = r));
    return { currentTime: '2025-06-01T00:00:00Z' };
  });
  s.receive(JSON.stringify([2, 'dup', 'Heartbeat', {}]));
  s.receive(JSON.stringify([2, 'dup', 'Heartbeat', {}]));
  release();
  await sentCount(1);
  s.receive(JSON.stringify([2, 'next', 'Heartbeat', {}]));
  release();
  await sentCount(2);
  t.equal(calls, 2, 'the handler ran for the first and for the later call, not for the resend');
  t.same(sent.map((f) => (f as unknown[])[1]), ['dup', 'next']);
});

t.test('outbound: one CALL at a time, answers matched by id, in order', async (t) => {
  const { s, sent, sentCount } = session('central', () => ({}));
  const a = s.call('Reset', { type: 'Soft' });
  const b = s.call('ClearCache', {});
  await sentCount(1);
  t.equal(sent.length, 1, 'the second waits');
  t.equal(s.pendingCalls, 2);
  const [, idA, actionA] = sent[0] as [number, string, string];
  t.equal(actionA, 'Reset');
  s.receive(JSON.stringify([3, 'someone-else', { status: 'Accepted' }]));
  t.equal(sent.length, 1, 'an answer to another id does not release the queue');
  s.receive(JSON.stringify([3, idA, { status: 'Accepted' }]));
  t.same(await a, { status: 'Accepted' });
  await sentCount(2);
  const [, idB, actionB] = sent[1] as [number, string, string];
  t.equal(actionB, 'ClearCache');
  s.receive(JSON.stringify([4, idB, 'OccurrenceConstraintViolation', 'their spelling', { x: 1 }]));
  const err = await b.catch((e: unknown) => e);
  t.match(err, { code: 'OccurenceConstraintViolation', description: 'their spelling', details: { x: 1 } });
  t.equal(s.pendingCalls, 0);
});

t.test('outbound: refused before sending when invalid or not ours to send', async (t) => {
  const central = session('central', () => ({}));
  const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as OcppCallError).code as ErrorCode;
  t.equal(await codeOf(central.s.call('Reset', { type: 'Later' })), 'PropertyConstraintViolation');
  t.equal(await codeOf(central.s.call('Heartbeat', {})), 'NotSupported', 'the central system does not send Heartbeat');
  t.equal(await codeOf(central.s.call('Teleport', {})), 'NotImplemented');
  t.same(central.sent, []);
  const charger = session('charger', () => ({}));
  t.equal(await codeOf(charger.s.call('Reset', { type: 'Soft' })), 'NotSupported', 'a charger does not send Reset');
  void charger.s.call('Heartbeat', {});
  await charger.sentCount(1);
  t.match(charger.sent[0], [2, String, 'Heartbeat', {}], 'but it does send Heartbeat');
});

t.test('outbound: a timeout frees the queue, and the late answer is ignored', async (t) => {
  const { s, sent, sentCount } = session('central', () => ({}), { callTimeoutMs: 20 });
  // The session's timers do not hold the process open (a socket does that in real use).
  const keepAlive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(keepAlive));
  const a = s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
  const b = s.call('Reset', { type: 'Hard' });
  const err = await a;
  t.ok(err instanceof OcppTimeoutError);
  await sentCount(2);
  s.receive(JSON.stringify([3, (sent[0] as unknown[])[1], { status: 'Accepted' }]));
  s.receive(JSON.stringify([3, (sent[1] as unknown[])[1], { status: 'Rejected' }]));
  t.same(await b, { status: 'Rejected' }, 'the late answer to the first did not settle the second');
});

t.test('closing rejects the outstanding and queued calls as offline, and later calls too', async (t) => {
  const { s, sent, sentCount } = session('central', () => ({}));
  const a = s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
  const b = s.call('Reset', { type: 'Hard' }).catch((e: unknown) => e);
  await sentCount(1);
  s.closed('closed (1006)');
  for (const err of [await a, await b, await s.call('ClearCache', {}).catch((e: unknown) => e)]) {
    t.ok(err instanceof OcppOfflineError);
    t.equal((err as Error).message, 'peer is offline: closed (1006)');
  }
  t.equal(s.isOpen, false);
  s.receive(JSON.stringify([2, 'h', 'Heartbeat', {}]));
  await new Promise((r) => setImmediate(r));
  t.equal(sent.length, 1, 'nothing is sent on a closed session');
});

t.test('outbound: message ids are unique per connection, short, and differ between connections', async (t) => {
  const ids = async () => {
    const { s, sent, sentCount } = session('charger', () => ({}));
    for (let i = 0; i < 5; i++) {
      const answered = s.call('Heartbeat', {});
      await sentCount(i + 1);
      s.receive(JSON.stringify([3, (sent[i] as unknown[])[1], { currentTime: '2025-06-01T00:00:00Z' }]));
      await answered;
    }
    return sent.map((f) => (f as unknown[])[1] as string);
  };
  const first = await ids();
  const second = await ids();
  t.equal(new Set(first).size, 5, 'no id twice on one connection (OCPP-J 1.6 §4.1.4)');
  t.ok(first.every((id) => id.length > 0 && id.length <= 36), 'at most 36 characters (§4.1.3)');
  t.equal(first.filter((id) => second.includes(id)).length, 0, 'a new connection does not reuse the ids of the last one');
});

t.test('outbound: each CALL gets its full timeout, counted from its own send', async (t) => {
  // Fake time: "not before its own timeout" is a fact of the test, not a stopwatch reading.
  const clock = installFakeTimers(t);
  const { s, sent, sentCount } = session('central', () => ({}), { callTimeoutMs: 80 });
  const outcome = (p: Promise<unknown>) => {
    const o: { value?: unknown } = {};
    void p.then((v) => (o.value = v));
    return o;
  };
  const turn = () => new Promise((r) => setImmediate(r));
  // A is answered late in its window; B, sent then, must still get its whole 80 ms.
  const a = s.call('Reset', { type: 'Soft' });
  const b = outcome(s.call('Reset', { type: 'Hard' }).catch((e: unknown) => e));
  await sentCount(1);
  clock.tick(50);
  s.receive(JSON.stringify([3, (sent[0] as unknown[])[1], { status: 'Accepted' }]));
  t.same(await a, { status: 'Accepted' });
  await sentCount(2);
  clock.tick(79);
  await turn();
  t.equal(s.pendingCalls, 1, "B still waits 79 ms after its own send (129 ms after A's)");
  t.equal(b.value, undefined);
  clock.tick(1);
  await turn();
  t.ok(b.value instanceof OcppTimeoutError, 'B times out 80 ms after its own send');
  // C is answered at once and leaves the timer running: its idle expiry changes nothing, and
  // the next CALL again gets its whole timeout.
  const c = s.call('ClearCache', {});
  await sentCount(3);
  s.receive(JSON.stringify([3, (sent[2] as unknown[])[1], { status: 'Accepted' }]));
  t.same(await c, { status: 'Accepted' });
  clock.tick(80);
  const d = outcome(s.call('ClearCache', {}).catch((e: unknown) => e));
  await sentCount(4);
  clock.tick(79);
  await turn();
  t.equal(d.value, undefined, 'D, sent after the idle expiry, waits its whole timeout too');
  clock.tick(1);
  await turn();
  t.ok(d.value instanceof OcppTimeoutError, 'and a later unanswered CALL still times out');
});

t.test('outbound: a schema-invalid answer fails the call and is reported; the queue moves on', async (t) => {
  const { s, sent, sentCount, errors } = session('central', () => ({}));
  const a = s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
  const b = s.call('ClearCache', {});
  await sentCount(1);
  s.receive(JSON.stringify([3, (sent[0] as unknown[])[1], { status: 'Perhaps' }]));
  t.match(await a, { code: 'PropertyConstraintViolation' });
  t.ok((await a) instanceof OcppUnreadableAnswerError, 'an answer that cannot be read: no refusal, the peer may have done it');
  t.match(errors, [{ direction: 'out', code: 'PropertyConstraintViolation', action: 'Reset' }]);
  await sentCount(2);
  s.receive(JSON.stringify([3, (sent[1] as unknown[])[1], { status: 'Accepted' }]));
  t.same(await b, { status: 'Accepted' });
});

t.test('outbound: a broken answer frame fails the call it names at once, not at its timeout; no CALLERROR goes back', async (t) => {
  const { s, sent, sentCount, errors } = session('central', () => ({}), { callTimeoutMs: 60_000 });
  const frames: [string, (id: string) => string, typeof OcppUnreadableAnswerError | typeof OcppCallError][] = [
    ['not JSON (Grizzl-E, a GetConfiguration answer)', (id) => `[3,"${id}",{"status":"Acc`, OcppUnreadableAnswerError],
    ['a CALLRESULT without its payload', (id) => `[3,"${id}"]`, OcppUnreadableAnswerError],
    ['a CALLERROR cut short after its id', (id) => `[4,"${id}"]`, OcppCallError],
  ];
  for (const [n, [what, frame, kind]] of frames.entries()) {
    const call = s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
    await sentCount(n + 1);
    s.receive(frame((sent[n] as unknown[])[1] as string));
    const e = await call;
    t.ok(e instanceof kind && (kind === OcppCallError) !== e instanceof OcppUnreadableAnswerError, `${what}: failed at once as ${kind.name}`);
  }
  t.equal(sent.length, 3, 'nothing but the three CALLs went out: an answer is never answered');
  t.equal(errors.length, 3, 'each reported');
  // A broken frame naming another id leaves the call waiting for its own answer.
  const later = s.call('ClearCache', {});
  await sentCount(4);
  s.receive('[3,"not-this-one"]');
  s.receive(JSON.stringify([3, (sent[3] as unknown[])[1], { status: 'Accepted' }]));
  t.same(await later, { status: 'Accepted' });
});

t.test('outbound: repairAnswer may stand in for an answer that fails the schema', async (t) => {
  const asked: unknown[] = [];
  const { s, sent, sentCount, errors } = session('central', () => ({}), {
    repairAnswer: (action, payload) => {
      asked.push([action, payload]);
      const status = (payload as { status: string }).status;
      return status === 'accepted' ? { payload: { status: 'Accepted' } } : null;
    },
  });
  const a = s.call('Reset', { type: 'Soft' });
  await sentCount(1);
  s.receive(JSON.stringify([3, (sent[0] as unknown[])[1], { status: 'accepted' }]));
  t.same(await a, { status: 'Accepted' }, 'the repaired answer');
  const b = s.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
  await sentCount(2);
  s.receive(JSON.stringify([3, (sent[1] as unknown[])[1], { status: 'OK' }]));
  t.ok((await b) instanceof OcppUnreadableAnswerError, 'no repair: unreadable');
  t.same(asked, [['Reset', { status: 'accepted' }], ['Reset', { status: 'OK' }]]);
  t.equal(errors.length, 1, 'only the answer that could not be repaired is a protocol error');
});

t.test('outbound: urgent calls go ahead of the queued ones, in their own order, after the one outstanding', async (t) => {
  const { s, sent, sentCount } = session('central', () => ({}));
  const order: string[] = [];
  const call = (name: string, urgent = false) => void s.call('ClearCache', {}, { urgent }).then(() => order.push(name));
  call('first');
  call('queued-1');
  call('queued-2');
  call('urgent-1', true);
  call('urgent-2', true);
  for (let i = 1; i <= 5; i++) {
    await sentCount(i);
    s.receive(JSON.stringify([3, (sent[i - 1] as unknown[])[1], { status: 'Accepted' }]));
    await new Promise((r) => setImmediate(r));
  }
  t.same(order, ['first', 'urgent-1', 'urgent-2', 'queued-1', 'queued-2']);
});

t.test(`outbound: beyond ${MAX_QUEUED_CALLS} waiting calls a call fails at once; an urgent one still queues`, async (t) => {
  const { s, sent, sentCount } = session('central', () => ({}), { callTimeoutMs: 600_000 });
  const outcomes: Promise<unknown>[] = [];
  for (let i = 0; i < MAX_QUEUED_CALLS + 1 + 5; i++) outcomes.push(s.call('ClearCache', {}).catch((e: unknown) => e));
  await sentCount(1);
  t.equal(s.pendingCalls, MAX_QUEUED_CALLS + 1, `one outstanding, ${MAX_QUEUED_CALLS} waiting`);
  const refused = await Promise.all(outcomes.slice(-5));
  for (const e of refused) t.match(e, { code: 'GenericError', description: /calls already wait/ });
  const urgent = s.call('ClearCache', {}, { urgent: true });
  t.equal(s.pendingCalls, MAX_QUEUED_CALLS + 2, 'the urgent call queued beyond the bound');
  s.receive(JSON.stringify([3, (sent[0] as unknown[])[1], { status: 'Accepted' }]));
  await sentCount(2);
  s.receive(JSON.stringify([3, (sent[1] as unknown[])[1], { status: 'Accepted' }]));
  t.same(await urgent, { status: 'Accepted' }, 'and went next');
  s.closed('test over');
  await Promise.all(outcomes);
});
