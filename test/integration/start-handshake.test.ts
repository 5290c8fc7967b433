/**
 * The start handshake (src/gateway/start-handshake.ts) end to end, with real events: a real
 * gateway with a load balancer, independent ocpp-rpc chargers (strict), a real StartTransaction.
 * What is recorded is one timeline of what the bus told and what each charger received, in the
 * order it happened:
 *   starting → (the neighbour's decrease may go out while the start is written)
 *            → started, with the StartTransaction.conf written in the same turn
 *            → the car's TxProfile, naming the transactionId the conf gave it (1.6 §3.13.2).
 * The one thing forged is the disk: a slow or failing fsync cannot be provoked otherwise, so
 * the store's durably() is wrapped for the write that holds the StartTransaction only.
 */
import t from 'tap';
import type { Store } from '../../src/store/ports.js';
import { eventually, startGateway, PASSWORDS } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

// 20 A: CP1 (3-phase, 16 A max) alone takes 16 A; with CP2 (1-phase, on L1) charging too, 10 A each.
const site = (c: Record<string, any>) => {
  c.site = { supply: { maxCurrent: 20, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
};

type Entry = string;

async function charger(t: Parameters<typeof rpcCharger>[0], url: string, id: 'CP1' | 'CP2', timeline: Entry[]) {
  const cp = await rpcCharger(t, url, id, PASSWORDS[id]);
  const txProfiles: { limit: number; transactionId?: number }[] = [];
  // What the charger receives, in wire order (ocpp-rpc tells each frame as it arrives).
  cp.on('message', ({ message, outbound }: { message: Buffer | string; outbound: boolean }) => {
    if (outbound) return;
    const frame = JSON.parse(String(message)) as unknown[];
    if (frame[0] === 3 && typeof (frame[2] as { transactionId?: unknown })?.transactionId === 'number') {
      timeline.push(`${id} got conf ${(frame[2] as { transactionId: number }).transactionId}`);
    }
    if (frame[0] === 2 && frame[2] === 'SetChargingProfile') {
      const p = (frame[3] as { csChargingProfiles: { chargingProfilePurpose: string; transactionId?: number; chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } } }).csChargingProfiles;
      const limit = p.chargingSchedule.chargingSchedulePeriod[0]!.limit;
      timeline.push(`${id} got ${p.chargingProfilePurpose} ${limit}${p.transactionId !== undefined ? ` tx ${p.transactionId}` : ''}`);
      if (p.chargingProfilePurpose === 'TxProfile') txProfiles.push({ limit, ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}) });
    }
  });
  cp.handle('SetChargingProfile', () => ({ status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  return { cp, txProfiles, live: () => txProfiles.at(-1)?.limit };
}

/** Wraps the store's durably() for the write that opens a session: its fsync is slow, then succeeds or fails. */
function disk(store: Store, fate: { delayMs: number; fails: boolean }): () => void {
  const durably = store.durably;
  const start = store.sessions.start;
  let opening = false;
  store.sessions.start = (input) => {
    opening = true;
    return start.call(store.sessions, input);
  };
  store.durably = <T,>(work: () => T): Promise<T> => {
    opening = false;
    const written: Promise<T> = durably.call(store, work) as Promise<T>;
    if (!opening) return written;
    opening = false;
    const late = written.then((v) => new Promise<T>((resolve) => setTimeout(() => resolve(v), fate.delayMs)));
    return fate.fails ? late.then(() => Promise.reject(new Error('EIO: fsync failed'))) : late;
  };
  return () => {
    store.durably = durably;
    store.sessions.start = start;
  };
}

function record(gw: Awaited<ReturnType<typeof startGateway>>, timeline: Entry[]): void {
  gw.app.events.on('session.starting', (s) => timeline.push(`bus starting ${s.chargerId} ${s.transactionId}`));
  gw.app.events.on('session.started', (s) => timeline.push(`bus started ${s.chargerId} ${s.transactionId}`));
  gw.app.events.on('session.startFailed', (s) => timeline.push(`bus startFailed ${s.chargerId} ${s.transactionId}`));
}

const at = (timeline: Entry[], entry: Entry | RegExp): number => timeline.findIndex((e) => (typeof entry === 'string' ? e === entry : entry.test(e)));

async function twoChargers(t: Parameters<typeof rpcCharger>[0]) {
  const gw = await startGateway(t, { patch: site });
  const timeline: Entry[] = [];
  const one = await charger(t, gw.url, 'CP1', timeline);
  const two = await charger(t, gw.url, 'CP2', timeline);
  await one.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => one.live() === 16, 'CP1 alone: 16 A', 10_000);
  record(gw, timeline);
  timeline.length = 0;
  return { gw, one, two, timeline };
}

t.test('a start: the neighbour makes room while it is written; the car\'s TxProfile comes after its answer and names its transactionId', async (t) => {
  const { gw, one, two, timeline } = await twoChargers(t);
  // A slow disk (400 ms): long enough for the balancer to act on 'starting' before the answer.
  const restore = disk(gw.app.store, { delayMs: 400, fails: false });
  const answer = (await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number };
  restore();
  const tx = answer.transactionId;
  await eventually(() => two.txProfiles.length > 0 && one.live() === 10, 'both at 10 A', 10_000);

  const starting = at(timeline, `bus starting CP2 ${tx}`);
  const decrease = at(timeline, /^CP1 got TxProfile 10 /);
  const conf = at(timeline, `CP2 got conf ${tx}`);
  const started = at(timeline, `bus started CP2 ${tx}`);
  const txProfile = at(timeline, /^CP2 got TxProfile /);
  t.ok(starting >= 0 && decrease >= 0 && conf >= 0 && started >= 0 && txProfile >= 0, 'every step seen', { timeline });
  t.ok(starting < decrease && decrease < conf, 'the neighbour slowed to 10 A while the start was written, before the car was answered', { timeline });
  t.ok(starting < started && started < txProfile, 'on the bus: starting, then started', { timeline });
  t.ok(conf < txProfile, 'on the wire: the StartTransaction.conf before the car\'s TxProfile', { timeline });
  t.notOk(timeline.slice(starting, conf).some((e) => e.startsWith('CP2 got SetChargingProfile') || e.startsWith('CP2 got Tx')), 'the car gets nothing before it knows its transactionId', { timeline });
  t.same(two.txProfiles[0], { limit: 10, transactionId: tx }, 'its TxProfile names the transactionId it was answered');
  t.equal(timeline.filter((e) => e.startsWith('bus start')).length, 2, 'one starting, one outcome');
  t.equal(at(timeline, /startFailed/), -1);
});

t.test('a start whose write fails: startFailed, a CALLERROR for the charger, no TxProfile, the neighbour\'s room given back', async (t) => {
  const { gw, one, two, timeline } = await twoChargers(t);
  const restore = disk(gw.app.store, { delayMs: 400, fails: true });
  const call = two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  const error = await call.then(() => undefined, (e: unknown) => e);
  t.match(error, { rpcErrorCode: 'InternalError' }, 'the charger gets an error, not a transactionId');
  restore();
  await eventually(() => one.live() === 16, 'CP1 back at 16 A', 10_000);

  const starting = at(timeline, /^bus starting CP2 \d+$/);
  t.ok(starting >= 0, 'announced while written', { timeline });
  const tx = Number(timeline[starting]?.split(' ').at(-1));
  t.ok(at(timeline, /^CP1 got TxProfile 10 /) > starting, 'the neighbour made room meanwhile', { timeline });
  t.ok(at(timeline, `bus startFailed CP2 ${tx}`) > starting, 'then taken back', { timeline });
  t.ok(at(timeline, /^CP1 got TxProfile 16 /) > at(timeline, `bus startFailed CP2 ${tx}`), 'the room given back after the failure', { timeline });

  // Instead of waiting to see nothing come: CP2 starts again, on a working disk. The first
  // TxProfile it ever gets must name that second session; the failed one never had any.
  const again = await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => two.txProfiles.length > 0, "CP2's TxProfile for its real session", 10_000);
  t.same(two.txProfiles.map((p) => p.transactionId), [again.transactionId], 'the only TxProfile CP2 got names the session that was answered');
  t.equal(at(timeline, `bus started CP2 ${tx}`), -1, 'the failed one never started');
  t.equal(at(timeline, `CP2 got conf ${tx}`), -1, 'never answered with its transactionId');
});

t.test('a replayed StartTransaction is not announced again', async (t) => {
  const { two, timeline } = await twoChargers(t);
  const start = { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() };
  const first = (await two.cp.call('StartTransaction', start)) as { transactionId: number };
  const again = (await two.cp.call('StartTransaction', start)) as { transactionId: number };
  t.equal(again.transactionId, first.transactionId, 'the same transaction');
  t.same(
    timeline.filter((e) => e.startsWith('bus ')),
    [`bus starting CP2 ${first.transactionId}`, `bus started CP2 ${first.transactionId}`],
    'one handshake for the one transaction',
  );
});
