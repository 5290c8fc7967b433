/**
 * The orphan watch's one timer under a fake clock: a superseded session is closed by estimate
 * when its grace is over, not before; its own Stop within the grace leaves nothing to do.
 */
import t from 'tap';
import { EventBus } from '../../../src/events.js';
import { createOrphanWatch } from '../../../src/gateway/orphan-watch.js';
import { silentLogger } from '../../../src/log.js';
import type { SessionRecord } from '../../../src/store/ports.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { installFakeTimers } from '../../helpers/fake-timers.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');

t.test('closed by estimate once the grace is over, with the last reading; not before', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const clock = installFakeTimers(t);
  const now = () => new Date(T0 + clock.now);
  const events = new EventBus(() => undefined);
  const ended: SessionRecord[] = [];
  events.on('session.ended', (s) => ended.push(s));
  const stopped: number[] = [];
  const upstream = { transactionStopped: (_c: string, req: { meterStop: number }) => void stopped.push(req.meterStop) } as never;
  const watch = createOrphanWatch({ store, events, logger: silentLogger(), now, graceMs: 300_000, upstream: () => upstream });
  watch.start();
  t.teardown(() => watch.stop());

  const base = { chargerId: 'CP1', connectorId: 1, idTag: 'TAG1', authStatus: 'Accepted', receivedAt: now().toISOString() };
  const a = await store.durably(() => store.sessions.start({ ...base, startedAt: '2025-06-01T10:00:00Z', meterStart: 1000 }).transactionId);
  await store.durably(() => store.meters.append([{ chargerId: 'CP1', connectorId: 1, transactionId: a, timestamp: '2025-06-01T11:00:00Z', value: '4200', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }]));
  const b = await store.durably(() => store.sessions.start({ ...base, startedAt: '2025-06-01T12:00:00Z', meterStart: 5000 }).transactionId);
  await store.durably(() => store.sessions.supersede(a, b, now().toISOString()));
  events.emit('session.superseded', { session: store.sessions.get(a)!, by: store.sessions.get(b)! });

  clock.tick(299_000);
  t.equal(store.sessions.get(a)?.state, 'active', 'still waiting a second before the grace ends');
  clock.tick(1_000);
  await new Promise<void>((resolve) => events.on('session.ended', () => resolve()));
  t.match(store.sessions.get(a), { state: 'completed', meterStop: 4200, energyWh: 3200, stoppedAt: '2025-06-01T11:00:00Z', stopReason: 'Other', closedBy: 'gateway' });
  t.same(stopped, [4200], 'the estimated Stop staged for the cloud');
  t.same(ended.map((s) => s.transactionId), [a]);
  t.equal(store.sessions.get(b)?.state, 'active');
  t.equal(clock.pending, 0, 'no timer left');
});

t.test('its own Stop within the grace: nothing left to close', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const clock = installFakeTimers(t);
  const now = () => new Date(T0 + clock.now);
  const events = new EventBus(() => undefined);
  const watch = createOrphanWatch({ store, events, logger: silentLogger(), now, graceMs: 60_000, upstream: () => undefined });
  watch.start();
  t.teardown(() => watch.stop());
  const base = { chargerId: 'CP1', connectorId: 1, idTag: 'TAG1', authStatus: 'Accepted', receivedAt: now().toISOString(), startedAt: '2025-06-01T10:00:00Z' };
  const a = await store.durably(() => store.sessions.start({ ...base, meterStart: 1 }).transactionId);
  const b = await store.durably(() => store.sessions.start({ ...base, meterStart: 2 }).transactionId);
  await store.durably(() => store.sessions.supersede(a, b, now().toISOString()));
  events.emit('session.superseded', { session: store.sessions.get(a)!, by: store.sessions.get(b)! });
  t.equal(clock.pending, 1, 'one timer, for the grace');
  await store.durably(() => store.sessions.stop({ chargerId: 'CP1', transactionId: a, stoppedAt: '2025-06-01T10:30:00Z', meterStop: 900, receivedAt: now().toISOString() }));
  clock.tick(60_000);
  await store.durably(() => undefined);
  t.match(store.sessions.get(a), { meterStop: 900, closedBy: 'charger' }, 'the real Stop stands');
  t.equal(clock.pending, 0);
});
