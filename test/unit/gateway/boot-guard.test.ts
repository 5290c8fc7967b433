/**
 * The boot guard on real sessions with their wire as a list: holds calls until the boot, asks
 * for a boot after bootTimeout and then never more often than the ask interval, per charger
 * (reconnects included), and logs the ask once per connection at info.
 */
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { createBootGuard } from '../../../src/gateway/boot-guard.js';
import { Registry, type LiveCharger } from '../../../src/gateway/registry.js';
import { createLogger, silentLogger, type Logger } from '../../../src/log.js';
import type { AcceptedConnection } from '../../../src/ocpp/server.js';
import { OcppHeldError, OcppSession } from '../../../src/ocpp/session.js';
import { installFakeTimers, type FakeClock } from '../../helpers/fake-timers.js';

interface Sent {
  frame: unknown[];
  at: number;
}

/** A connection as the server would hand it over, with a real session; the charger answers every TriggerMessage with `triggerAnswer`. */
function connection(registry: Registry, id: string, logger: Logger = silentLogger(), triggerAnswer: unknown = { status: 'Accepted' }) {
  const sent: Sent[] = [];
  const waiters: (() => void)[] = [];
  let session!: OcppSession;
  session = new OcppSession({
    version: 'ocpp1.6',
    role: 'central',
    handler: (action) => (action === 'BootNotification' ? { status: 'Accepted', currentTime: '2025-06-01T00:00:00Z', interval: 300 } : {}),
    logger,
    callTimeoutMs: 1000,
    socket: {
      send: (text) => {
        const frame = JSON.parse(text) as unknown[];
        sent.push({ frame, at: performance.now() });
        if (frame[0] === 2 && frame[2] === 'TriggerMessage') setImmediate(() => session.receive(JSON.stringify([3, frame[1], triggerAnswer])));
        for (const w of waiters.splice(0)) w();
      },
      close: () => undefined,
    },
  });
  const conn: AcceptedConnection = { identity: id, protocol: 'ocpp1.6', protocolAssumed: false, remoteAddress: '127.0.0.1', secure: false, session, logger, close: () => session.closed('closed') };
  const live: LiveCharger = registry.ensure(id);
  const at = new Date().toISOString();
  Object.assign(live, { online: true, connection: conn, connectedAt: at });
  const asks = () => sent.filter((s) => s.frame[0] === 2 && s.frame[2] === 'TriggerMessage');
  /** Resolves once `n` TriggerMessages were sent on this connection. */
  const asked = async (n: number) => {
    while (asks().length < n) await new Promise<void>((r) => waiters.push(r));
    return asks();
  };
  return { conn, live, session, sent, asks, asked, at };
}

/** Moves fake time on by `ms`, then lets what that set off run (the charger answers on setImmediate). */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  clock.tick(ms);
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

function keepAlive(t: Test) {
  // The guard's timers are unref'd (a socket keeps a real gateway alive): keep the test alive.
  const timer = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(timer));
}

t.test('asks after bootTimeout, then at most every ask interval; the first ask is logged at info, once', async (t) => {
  const clock = installFakeTimers(t);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));
  const registry = new Registry();
  const guard = createBootGuard({ bootTimeoutMs: 30, askIntervalMs: 150, clock: () => clock.now });
  t.teardown(() => guard.stop());
  const c = connection(registry, 'CP1', logger.child({ chargerId: 'CP1' }));
  guard.connected(c.conn, c.live, c.at);
  t.equal(c.session.outboundHeld, true);
  t.equal(c.live.awaitingBootSince, c.at);

  await advance(clock, 29);
  t.equal(c.asks().length, 0, 'the first ask waits for bootTimeout');
  await advance(clock, 1);
  t.equal(c.asks().length, 1, 'and goes out then');
  await advance(clock, 149);
  t.equal(c.asks().length, 1, 'the second waits the ask interval');
  await advance(clock, 1);
  t.equal(c.asks().length, 2);
  await advance(clock, 149);
  t.equal(c.asks().length, 2, 'and so does the third');
  await advance(clock, 1);
  const asks = c.asks();
  t.equal(asks.length, 3);
  t.same(asks[0]!.frame.slice(2), ['TriggerMessage', { requestedMessage: 'BootNotification' }]);
  const asked = lines.filter((l) => typeof l.msg === 'string' && /without BootNotification/.test(l.msg));
  t.same(asked.map((l) => [l.level, l.msg, l.chargerId]), [
    [30, 'charger connected without BootNotification: asked for one', 'CP1'],
    [20, 'charger still without BootNotification: asked again', 'CP1'],
    [20, 'charger still without BootNotification: asked again', 'CP1'],
  ], 'info once, with the charger\'s child logger; repeats at debug');
  t.equal(lines.filter((l) => (l.level as number) >= 40).length, 0, 'an accepted ask warns of nothing');
});

t.test('a reconnect does not reset the spacing: the next ask waits for the interval since the last one', async (t) => {
  const clock = installFakeTimers(t);
  const registry = new Registry();
  const guard = createBootGuard({ bootTimeoutMs: 20, askIntervalMs: 300, clock: () => clock.now });
  t.teardown(() => guard.stop());
  const first = connection(registry, 'CP1');
  guard.connected(first.conn, first.live, first.at);
  await advance(clock, 20);
  t.equal(first.asks().length, 1, 'asked at bootTimeout (fake time 20 ms)');
  // The charger drops and comes back at once, still without a boot (a boot-loop would look so).
  first.session.closed('closed (1006)');
  guard.disconnected(first.conn);
  const second = connection(registry, 'CP1');
  guard.connected(second.conn, second.live, second.at);
  await advance(clock, 299);
  t.equal(second.asks().length, 0, 'not asked again within an interval of the last ask, though its bootTimeout passed');
  await advance(clock, 1);
  t.equal(second.asks().length, 1, 'asked again an interval after the last ask');
  t.equal(first.asks().length, 1, 'nothing more on the closed connection');
});

t.test('a BootNotification accepted releases the held calls after its answer and ends the asking', async (t) => {
  keepAlive(t);
  const registry = new Registry();
  const guard = createBootGuard({ bootTimeoutMs: 50, askIntervalMs: 50 });
  t.teardown(() => guard.stop());
  const c = connection(registry, 'CP1');
  // Another charger, connected just after, serves as the clock for "CP1 was not asked".
  const other = connection(registry, 'CP2');
  guard.connected(c.conn, c.live, c.at);
  const reset = c.session.call('Reset', { type: 'Soft' });
  // The boot handler marks it booted (handlers/boot.ts); the session answers, then releases.
  c.live.booted = true;
  c.session.receive(JSON.stringify([2, 'b1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }]));
  guard.connected(other.conn, other.live, other.at);
  while (c.sent.length < 2) await new Promise((r) => setImmediate(r));
  t.same(c.sent.map((s) => s.frame[0] === 2 ? s.frame[2] : s.frame[1]), ['b1', 'Reset'], 'the answer first, then the held call');
  c.session.receive(JSON.stringify([3, c.sent[1]!.frame[1], { status: 'Accepted' }]));
  t.same(await reset, { status: 'Accepted' });
  t.equal(c.session.outboundHeld, false);
  await other.asked(2);
  t.equal(c.asks().length, 0, 'CP1 was never asked (CP2, unbooted, was asked twice meanwhile)');
});

t.test('a booted charger that reconnects is not held; bootTimeout 0 never asks; held calls fail in time', async (t) => {
  keepAlive(t);
  const registry = new Registry();
  const guard = createBootGuard({ bootTimeoutMs: 0 });
  t.teardown(() => guard.stop());
  const booted = connection(registry, 'CP1');
  booted.live.booted = true;
  guard.connected(booted.conn, booted.live, booted.at);
  t.equal(booted.session.outboundHeld, false);
  t.equal(booted.live.awaitingBootSince, undefined);

  const c = connection(registry, 'CP2');
  guard.connected(c.conn, c.live, c.at);
  const err = await c.session.call('Reset', { type: 'Soft' }).catch((e: unknown) => e);
  t.ok(err instanceof OcppHeldError);
  t.match((err as Error).message, /^Reset was not sent within 1000 ms: charger CP2 has not booted \(no BootNotification accepted since it connected at /);
  t.same(c.sent, [], 'bootTimeout 0: never asked, nothing sent');
});

t.test('an ask the charger refuses is warned of once; the asking goes on at the interval', async (t) => {
  keepAlive(t);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));
  const registry = new Registry();
  const guard = createBootGuard({ bootTimeoutMs: 10, askIntervalMs: 40 });
  t.teardown(() => guard.stop());
  const c = connection(registry, 'CP1', logger, { status: 'NotImplemented' });
  guard.connected(c.conn, c.live, c.at);
  await c.asked(3);
  await new Promise((r) => setImmediate(r));
  const refused = lines.filter((l) => l.msg === 'charger did not accept TriggerMessage BootNotification');
  t.match(refused[0], { level: 40, status: 'NotImplemented' }, 'warned once');
  t.ok(refused.slice(1).every((l) => l.level === 20), 'then debug');
});
