/**
 * The controller against independent chargers (ocpp-rpc, strict): what they are sent, in
 * which order, and what happens when they reconnect, reject, or an operator steps in.
 */
import t from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { eventually, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const site = (c: Record<string, any>) => {
  c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
};

async function charger(t: Parameters<typeof rpcCharger>[0], url: string, id: 'CP1' | 'CP2', answer: () => string = () => 'Accepted') {
  const limits: { purpose: string; limit: number; connectorId: number; transactionId?: number }[] = [];
  const cp = await rpcCharger(t, url, id, id === 'CP1' ? 'cp1-secret-key-01' : 'cp2-secret-key-02');
  cp.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    limits.push({ purpose: p.chargingProfilePurpose, limit: p.chargingSchedule.chargingSchedulePeriod[0].limit, connectorId: params.connectorId, ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}) });
    return { status: answer() };
  });
  cp.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  return { cp, limits };
}

t.test('without a site section there is no balancer', async (t) => {
  const gw = await startGateway(t);
  t.equal(gw.app.balancer, undefined);
});

t.test('standing limits, a session, an operator cap, a demand-response limit, a reconnect', async (t) => {
  const gw = await startGateway(t, { patch: site });
  const seen: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => seen.push(a));
  const one = await charger(t, gw.url, 'CP1');
  await eventually(() => one.limits.some((l) => l.purpose === 'TxDefaultProfile'), 'a standing limit for the idle connector');
  t.equal(one.limits.at(-1)!.limit, 16, "idle: its standing share is its maximum (16 A), the rest of the 32 A stays free");

  const start = await one.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => one.limits.some((l) => l.purpose === 'TxProfile'), 'a TxProfile for the transaction');
  t.ok(start.transactionId > 0);

  // The live limit is the TxProfile's; the TxDefaultProfile under it is the standing one.
  const live = () => one.limits.filter((l) => l.purpose === 'TxProfile').at(-1)?.limit;
  const standing = () => one.limits.filter((l) => l.purpose === 'TxDefaultProfile').at(-1)?.limit;
  t.equal(standing(), 16, 'starting under its 16 A standing share: that share stays');
  const capped = gw.app.balancer!.setCap('CP1', 1, 10, 'mqtt');
  t.same(capped, { accepted: true, reason: 'capped at 10 A' });
  await eventually(() => live() === 10 && standing() === 6, 'the cap goes out');
  t.pass('capped at 10 A, the standing limit down to the car\'s minimum (never above the live one)');
  t.equal(seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP1')!.reason, 'cap');
  gw.app.balancer!.setCap('CP1', 1, null, 'mqtt');

  const dr = gw.app.balancer!.setSiteLimit(8, 60, 'http');
  t.equal(dr.accepted, true);
  await eventually(() => live() === 8, 'the demand-response limit goes out at once');
  t.equal(standing(), 6, 'the standing 6 A is not above 8 A: not sent again');
  const cp1 = seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP1')!;
  t.equal(cp1.reason, 'external');
  t.match(cp1.detail, /demand-response \(http\)/);
  t.equal(gw.app.balancer!.setSiteLimit(-1, 60, 'http').accepted, false, 'nonsense is refused with a reason');

  // A reconnect: everything is sent again.
  const before = one.limits.length;
  await one.cp.close({ force: true });
  const again = await charger(t, gw.url, 'CP1');
  await eventually(() => again.limits.some((l) => l.purpose === 'TxDefaultProfile'), 'profiles re-sent after the reconnect');
  t.ok(before > 0);
});

t.test('after a restart, a charger that has not reconnected counts at the limit it last accepted', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir, patch: site });
  const one = await charger(t, first.url, 'CP1');
  await eventually(() => one.limits.some((l) => l.purpose === 'TxDefaultProfile' && l.limit === 16), 'a 16 A standing limit accepted');
  await eventually(() => first.app.balancer!.allocation()?.connectors.some((c) => c.key === 'CP1/1' && c.amps === 16) === true, 'the allocation in force');
  await one.cp.close({ force: true });
  await first.stop();

  // CP1 still holds its 16 A TxDefaultProfile: a car may arrive before it reconnects.
  const second = await startGateway(t, { dir, patch: site });
  await eventually(() => second.app.balancer!.allocation() !== undefined, 'a first allocation');
  const cp1 = second.app.balancer!.allocation()!.connectors.find((c) => c.key === 'CP1/1')!;
  t.equal(cp1.reason, 'fixed');
  t.equal(cp1.amps, 16, 'counted at the 16 A it accepted before the restart, not at 0 A');
  t.match(cp1.detail, /offline/);
});

t.test('a ClearChargingProfile from someone else (cloud, MQTT, HTTP): the limits are sent again after it', async (t) => {
  const gw = await startGateway(t, { patch: site });
  const one = await charger(t, gw.url, 'CP1');
  const order: string[] = [];
  one.cp.handle('ClearChargingProfile', () => {
    order.push('clear');
    return { status: 'Accepted' };
  });
  await eventually(() => one.limits.some((l) => l.purpose === 'TxDefaultProfile'), 'a standing limit');
  await eventually(() => gw.app.balancer!.allocation() !== undefined, 'an allocation');
  const before = one.limits.length;
  const answer = await gw.app.gateway.commands.ClearChargingProfile('CP1', {});
  t.equal(answer.status, 'Accepted');
  await eventually(() => one.limits.length > before, 'the standing limit sent again');
  const again = one.limits.slice(before);
  t.equal(again[0]!.purpose, 'TxDefaultProfile');
  t.equal(again[0]!.limit, 16, 'the same 16 A standing limit, after the clear');
  t.same(order, ['clear']);
});

t.test('a charger that rejects its profiles is uncontrolled: counted at its maximum, idle or not (a car may arrive at any moment)', async (t) => {
  const gw = await startGateway(t, { patch: site });
  const seen: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => seen.push(a));
  const two = await charger(t, gw.url, 'CP2', () => 'Rejected');
  const control = () => seen.at(-1)?.chargers.find((c) => c.chargerId === 'CP2');
  const cp2 = () => seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP2')!;
  await eventually(() => control()?.controlled === false, 'CP2 uncontrolled');
  t.match(control()!.why, /TxDefaultProfile: answered Rejected/);
  await eventually(() => cp2().amps === 32, 'idle and uncontrolled: counted at its 32 A maximum');
  t.same([cp2().reason, cp2().active], ['fixed', false]);
  t.match(cp2().detail, /uncontrolled \(TxDefaultProfile: answered Rejected\): assumed at 32 A/);
  const one = await charger(t, gw.url, 'CP1');
  await eventually(() => one.limits.length > 0, 'CP1 gets a standing limit');
  t.same(one.limits.map((l) => l.limit), [0], 'nothing left for CP1 on the 32 A fuse, even before CP2 starts');
  await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => cp2().active, 'CP2 charging');
  t.same([cp2().amps, cp2().reason], [32, 'fixed'], 'charging: still its maximum');
  t.same(one.limits.map((l) => l.limit), [0], 'CP1 was never given what CP2 may take');
});

t.test('site.balancing.reserveUncontrolled false: an idle uncontrolled charger counts 0 A; once it charges, its maximum', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (site(c), (c.site.balancing.reserveUncontrolled = false)) });
  const seen: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => seen.push(a));
  const two = await charger(t, gw.url, 'CP2', () => 'Rejected');
  const control = () => seen.at(-1)?.chargers.find((c) => c.chargerId === 'CP2');
  await eventually(() => control()?.controlled === false, 'CP2 uncontrolled');
  t.equal(seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP2')!.amps, 0, 'idle and drawing nothing: counted at 0 A');
  await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => seen.at(-1)?.connectors.find((c) => c.chargerId === 'CP2')?.amps === 32, 'CP2 counted at its maximum');
  const cp2 = seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP2')!;
  t.equal(cp2.reason, 'fixed');
  t.match(cp2.detail, /uncontrolled \(TxDefaultProfile: answered Rejected\)/);
  t.equal(seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP1')?.amps ?? 0, 0, 'nothing left for CP1 on the 32 A fuse');
});

t.test('a car that starts: its neighbour makes room; its own TxProfile names the answered transactionId', async (t) => {
  // 20 A: CP1 alone takes its 16 A maximum; with CP2 (1-phase, on L1) charging too, 10 A each on L1.
  const gw = await startGateway(t, { patch: (c) => (site(c), (c.site.supply.maxCurrent = 20)) });
  const one = await charger(t, gw.url, 'CP1');
  const two = await charger(t, gw.url, 'CP2');
  const live = (c: typeof one) => c.limits.filter((l) => l.purpose === 'TxProfile').at(-1)?.limit;
  await one.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => live(one) === 16, 'CP1 alone: 16 A');

  // The moments in between (room made while the Start is written, given back if the write
  // fails) are tested with real events in start-handshake.test.ts.
  // A real start: CP2's TxProfile carries the transactionId of its answer.
  const answer = await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => live(one) === 10 && live(two) === 10, 'both at 10 A');
  const tx = two.limits.find((l) => l.purpose === 'TxProfile')!;
  t.equal(tx.transactionId, answer.transactionId, 'the TxProfile names the transactionId CP2 was answered');
});

t.test('a car that pauses (SuspendedEV) keeps its minimum and the other car gets the rest; back to Charging, its share returns, the other coming down first', async (t) => {
  // 20 A, settle 0.3 s: both cars charging get 10 A each.
  const gw = await startGateway(t, { patch: (c) => (site(c), (c.site.supply.maxCurrent = 20), (c.site.balancing.settleTime = 0.3)) });
  const one = await charger(t, gw.url, 'CP1');
  const two = await charger(t, gw.url, 'CP2');
  const live = (c: typeof one) => c.limits.filter((l) => l.purpose === 'TxProfile').at(-1)?.limit;
  const status = (c: typeof one, s: string) => c.cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: s });
  await one.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await status(one, 'Charging');
  await status(two, 'Charging');
  await eventually(() => live(one) === 10 && live(two) === 10, 'both at 10 A');

  const pausedAt = Date.now();
  await status(two, 'SuspendedEV');
  await eventually(() => live(two) === 6 && live(one) === 14, 'CP2 paused: 6 A, CP1 14 A');
  // "Not before the settle time" is the requirement, on the clock the balancer itself reads
  // (Date): the stamp precedes the StatusNotification, so a busy machine only makes this later.
  t.ok(Date.now() - pausedAt >= 300, 'not before the settle time');
  const reason = gw.app.balancer!.allocation()!.connectors.find((c) => c.chargerId === 'CP2')!;
  t.equal(reason.reason, 'released');
  t.match(reason.detail, /SuspendedEV/);

  const order: string[] = [];
  one.cp.handle('SetChargingProfile', ({ params }) => (order.push(`CP1 ${params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit}`), { status: 'Accepted' }));
  two.cp.handle('SetChargingProfile', ({ params }) => (order.push(`CP2 ${params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit}`), { status: 'Accepted' }));
  await status(two, 'Charging');
  await eventually(() => order.includes('CP2 10'), 'CP2 back at 10 A');
  t.same(order, ['CP1 10', 'CP2 10'], 'CP1 came down before CP2 went up: the fuse never saw 24 A');
});

t.test('a rejected TxProfile: the TxDefaultProfile carries that transaction\'s limit, the next transaction tries again, two in a row and it stops trying', async (t) => {
  const gw = await startGateway(t, { patch: site });
  const one = await charger(t, gw.url, 'CP1');
  let rejectTx = true;
  const sent: { purpose: string; limit: number; transactionId?: number }[] = [];
  one.cp.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    sent.push({ purpose: p.chargingProfilePurpose, limit: p.chargingSchedule.chargingSchedulePeriod[0].limit, ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}) });
    return { status: p.chargingProfilePurpose === 'TxProfile' && rejectTx ? 'Rejected' : 'Accepted' };
  });
  const session = async () => {
    const { transactionId } = await one.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
    return transactionId as number;
  };
  const stop = (transactionId: number) => one.cp.call('StopTransaction', { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
  const txFor = (id: number) => sent.filter((s) => s.purpose === 'TxProfile' && s.transactionId === id);

  const tx1 = await session();
  await eventually(() => txFor(tx1).length === 1, 'a TxProfile for the first transaction (rejected)');
  gw.app.balancer!.setCap('CP1', 1, 10, 'http');
  await eventually(() => sent.at(-1)?.purpose === 'TxDefaultProfile' && sent.at(-1)?.limit === 10, 'the cap goes out as the TxDefaultProfile');
  t.equal(txFor(tx1).length, 1, 'no second TxProfile for the same transaction');
  await stop(tx1);

  rejectTx = false;
  const tx2 = await session();
  await eventually(() => txFor(tx2).length === 1, 'the next transaction tries a TxProfile again');
  t.equal(txFor(tx2)[0]!.limit, 10, 'and it carries the limit');
  await stop(tx2);

  rejectTx = true;
  const tx3 = await session();
  await eventually(() => txFor(tx3).length === 1, 'an accepted one in between: tried again');
  await stop(tx3);
  const tx4 = await session();
  await eventually(() => txFor(tx4).length === 1, 'rejected in a second transaction in a row');
  await stop(tx4);
  const tx5 = await session();
  gw.app.balancer!.setCap('CP1', 1, 8, 'http');
  await eventually(() => sent.at(-1)?.purpose === 'TxDefaultProfile' && sent.at(-1)?.limit === 8, 'the limit goes out as the TxDefaultProfile');
  t.same(txFor(tx5), [], 'two in a row: no TxProfile is tried any more');
});

t.test('a cap on a whole two-connector charger limits its total, not each connector', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      site(c);
      c.chargers.list.push({ id: 'TWIN', password: 'twin-secret-key-01', maxCurrent: 32, connectors: 2, phases: 3 });
    },
  });
  const limits = new Map<number, number>();
  const twin = await rpcCharger(t, gw.url, 'TWIN', 'twin-secret-key-01');
  twin.handle('SetChargingProfile', ({ params }) => {
    // The live limits (TxProfiles); the TxDefaultProfiles under them only come down.
    if (params.csChargingProfiles.chargingProfilePurpose === 'TxProfile') limits.set(params.connectorId, params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit);
    return { status: 'Accepted' };
  });
  await twin.call('BootNotification', bootPayload);
  for (const connectorId of [1, 2]) {
    await twin.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Preparing' });
    await twin.call('StartTransaction', { connectorId, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  }
  // 32 A supply: 16 A each before the cap.
  await eventually(() => limits.get(1) === 16 && limits.get(2) === 16, 'both sessions at 16 A');
  t.same(gw.app.balancer!.setCap('TWIN', undefined, 14, 'cloud'), { accepted: true, reason: 'capped at 14 A' });
  await eventually(() => limits.get(1) === 7 && limits.get(2) === 7, 'the charger\'s 14 A shared: 7 A each');
  const control = gw.app.balancer!.allocation()!.connectors.filter((c) => c.chargerId === 'TWIN');
  t.same(control.map((c) => c.amps), [7, 7], '7 + 7 = 14 A for the whole charger');
  gw.app.balancer!.setCap('TWIN', undefined, null, 'cloud');
  await eventually(() => limits.get(1) === 16 && limits.get(2) === 16, 'the cap lifted: 16 A each again');
});

/** CP2 configured without smart charging, counted at 20 A; both connected, CP1 charging. */
async function dumbNeighbour(t: Parameters<typeof rpcCharger>[0], reserveUncontrolled: boolean) {
  const gw = await startGateway(t, {
    patch: (c) => {
      site(c);
      c.site.balancing.reserveUncontrolled = reserveUncontrolled;
      c.chargers.list[1].quirks = { noSmartCharging: true };
      c.chargers.list[1].uncontrolledCurrent = 20;
    },
  });
  const seen: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => seen.push(a));
  const one = await charger(t, gw.url, 'CP1');
  const two = await charger(t, gw.url, 'CP2');
  await one.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  return { seen, one, two };
}

t.test('quirks.noSmartCharging: no profile is ever sent; counted at uncontrolledCurrent, idle or not: the others never get what it may take', async (t) => {
  const { seen, one, two } = await dumbNeighbour(t, true);
  // CP2 (1-phase on L1) kept at 20 A while idle: 32 − 20 = 12 A for CP1 on L1.
  await eventually(() => one.limits.some((l) => l.purpose === 'TxProfile'), 'CP1 charging with a TxProfile');
  t.same(one.limits.filter((l) => l.purpose === 'TxProfile').map((l) => l.limit), [12], 'CP1 alone: the 12 A CP2 leaves');
  t.same(seen.at(-1)!.chargers.find((c) => c.chargerId === 'CP2'), { chargerId: 'CP2', controlled: false, why: 'configured without smart charging (quirks.noSmartCharging)' });
  await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP2')!.active, 'CP2 charging');
  const cp2 = seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP2')!;
  t.same([cp2.amps, cp2.reason], [20, 'fixed']);
  t.ok(one.limits.every((l) => l.purpose !== 'TxProfile' || l.limit <= 12), 'CP1 never above 12 A: nothing to take back when CP2 starts');
  t.same(two.limits, [], 'CP2 never received a profile');
});

t.test('quirks.noSmartCharging with reserveUncontrolled false: counted at uncontrolledCurrent while it charges, the others reduced', async (t) => {
  const { seen, one, two } = await dumbNeighbour(t, false);
  await eventually(() => one.limits.some((l) => l.purpose === 'TxProfile' && l.limit === 16), 'CP1 alone: its 16 A maximum');
  await two.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  // CP2 (1-phase on L1) counted at 20 A: 32 − 20 = 12 A left for CP1 on L1.
  await eventually(() => one.limits.filter((l) => l.purpose === 'TxProfile').at(-1)?.limit === 12, 'CP1 reduced to the 12 A CP2 leaves');
  const cp2 = seen.at(-1)!.connectors.find((c) => c.chargerId === 'CP2')!;
  t.same([cp2.amps, cp2.reason], [20, 'fixed']);
  t.same(two.limits, [], 'CP2 never received a profile');
});

t.test('an idle connector\'s standing limit rises at most once per standingInterval; it comes down at once', async (t) => {
  const INTERVAL_S = 1.5;
  const gw = await startGateway(t, { patch: (c) => (site(c), (c.site.balancing.standingInterval = INTERVAL_S)) });
  // When chargegate sent each SetChargingProfile to CP2, stamped as it sends them (on the clock
  // it spaces the rises by): the i-th sent is the i-th CP2 gets, one CALL at a time. A stamp per
  // event, not a poller's guess at when a limit arrived.
  const sentAt: number[] = [];
  gw.app.events.on('ocpp.call', (c) => void (c.chargerId === 'CP2' && c.direction === 'out' && c.action === 'SetChargingProfile' && sentAt.push(Date.now())));
  const two = await charger(t, gw.url, 'CP2');
  const standing = () => two.limits.filter((l) => l.purpose === 'TxDefaultProfile');
  const sentAtOfLatest = () => sentAt[two.limits.lastIndexOf(standing().at(-1)!)]!;
  await eventually(() => standing().at(-1)?.limit === 32, 'its standing share: the whole 32 A');
  const cut = () => gw.app.balancer!.setSiteLimit(10, 600, 'http');
  const lift = () => gw.app.balancer!.setSiteLimit(null, 0, 'http');
  cut();
  await eventually(() => standing().at(-1)?.limit === 10, 'down to 10 A at once');
  lift();
  await eventually(() => standing().at(-1)?.limit === 32, 'the first rise: at once');
  const firstRise = sentAtOfLatest();
  cut();
  await eventually(() => standing().at(-1)?.limit === 10, 'down again, at once, however soon after the rise');
  lift();
  await eventually(() => standing().at(-1)?.limit === 32, 'the second rise, after the interval');
  const secondRise = sentAtOfLatest();
  t.ok(secondRise - firstRise >= INTERVAL_S * 1000 - 200, `the second rise came ${secondRise - firstRise} ms after the first (interval ${INTERVAL_S * 1000} ms)`);
});
