/**
 * The test peer's own reading of charging profiles (test/helpers/physical-charger.ts), table by
 * table, and the peer on the wire against the ocpp-rpc test cloud (no chargegate involved).
 */
import t from 'tap';
import { clear, install, physicalCharger, readLimit, type Installed, type Profile, type ReadContext } from '../../helpers/physical-charger.js';
import { startCloud } from '../../helpers/cloud.js';

const T0 = Date.parse('2025-01-06T10:00:00Z');
const at = (s: number) => T0 + s * 1000;

function p(connectorId: number, purpose: Profile['chargingProfilePurpose'], limit: number, extra: Partial<Profile> & { unit?: 'A' | 'W'; periods?: { startPeriod: number; limit: number }[]; start?: number } = {}): Installed {
  const { unit = 'A', periods, start = 0, ...rest } = extra;
  return {
    connectorId,
    installedAt: T0,
    profile: {
      chargingProfileId: Math.floor(Math.random() * 1e9),
      stackLevel: 0,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: new Date(at(start)).toISOString(), chargingRateUnit: unit, chargingSchedulePeriod: periods ?? [{ startPeriod: 0, limit }] },
      ...rest,
    },
  };
}

const RUNNING: ReadContext = { transactionId: 42, phases: 3 };
const IDLE: ReadContext = { transactionId: null, phases: 3 };

t.test('which profile limits a connector (§3.13.2)', async (t) => {
  const cases: { name: string; installed: Installed[]; ctx?: ReadContext; s?: number; want: number | undefined }[] = [
    { name: 'nothing installed: no limit', installed: [], want: undefined },
    { name: "connector 0's TxDefaultProfile applies to connector 1", installed: [p(0, 'TxDefaultProfile', 10)], want: 10 },
    { name: "the connector's own TxDefaultProfile replaces connector 0's, even a lower stackLevel", installed: [p(0, 'TxDefaultProfile', 10, { stackLevel: 5 }), p(1, 'TxDefaultProfile', 13)], want: 13 },
    { name: "another connector's TxDefaultProfile does not apply", installed: [p(2, 'TxDefaultProfile', 6)], want: undefined },
    { name: 'the TxProfile of the running transaction beats the TxDefaultProfile (also a higher limit)', installed: [p(1, 'TxDefaultProfile', 6), p(1, 'TxProfile', 16, { transactionId: 42 })], want: 16 },
    { name: 'a TxProfile without transactionId is the running one', installed: [p(1, 'TxDefaultProfile', 6), p(1, 'TxProfile', 12)], want: 12 },
    { name: "another transaction's TxProfile is not read", installed: [p(1, 'TxDefaultProfile', 6), p(1, 'TxProfile', 16, { transactionId: 41 })], want: 6 },
    { name: 'no transaction: a TxProfile is not read', installed: [p(1, 'TxDefaultProfile', 6), p(1, 'TxProfile', 16)], ctx: IDLE, want: 6 },
    { name: 'the ChargePointMaxProfile is a ceiling', installed: [p(0, 'ChargePointMaxProfile', 8), p(1, 'TxProfile', 16)], want: 8 },
    { name: 'under the ceiling the Tx limit holds', installed: [p(0, 'ChargePointMaxProfile', 20), p(1, 'TxDefaultProfile', 11)], want: 11 },
    { name: 'the ChargePointMaxProfile alone', installed: [p(0, 'ChargePointMaxProfile', 20)], want: 20 },
    { name: 'a ChargePointMaxProfile on connector 1 is not one', installed: [p(1, 'ChargePointMaxProfile', 3)], want: undefined },
    { name: 'highest stackLevel wins, whatever its limit', installed: [p(1, 'TxDefaultProfile', 6, { stackLevel: 1 }), p(1, 'TxDefaultProfile', 16, { stackLevel: 3 }), p(1, 'TxDefaultProfile', 10, { stackLevel: 2 })], want: 16 },
    { name: 'a higher stackLevel not started yet leaves the lower in force', installed: [p(1, 'TxDefaultProfile', 10, { stackLevel: 1 }), p(1, 'TxDefaultProfile', 16, { stackLevel: 3, start: 60 })], s: 30, want: 10 },
    { name: 'the period in force: before the second', installed: [p(1, 'TxDefaultProfile', 0, { periods: [{ startPeriod: 0, limit: 16 }, { startPeriod: 60, limit: 8 }] })], s: 59, want: 16 },
    { name: 'the period in force: after the second', installed: [p(1, 'TxDefaultProfile', 0, { periods: [{ startPeriod: 0, limit: 16 }, { startPeriod: 60, limit: 8 }] })], s: 60, want: 8 },
    { name: 'periods out of order', installed: [p(1, 'TxDefaultProfile', 0, { periods: [{ startPeriod: 60, limit: 8 }, { startPeriod: 0, limit: 16 }] })], s: 90, want: 8 },
    { name: 'before the first period: not in force', installed: [p(1, 'TxDefaultProfile', 0, { periods: [{ startPeriod: 30, limit: 8 }] })], s: 10, want: undefined },
    { name: 'past its duration: not in force', installed: [p(1, 'TxDefaultProfile', 9, { chargingSchedule: { duration: 60, startSchedule: new Date(T0).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 9 }] } })], s: 61, want: undefined },
    { name: 'past validTo: the next one down', installed: [p(0, 'TxDefaultProfile', 7), p(1, 'TxDefaultProfile', 9, { validTo: new Date(at(10)).toISOString() })], s: 11, want: 7 },
    { name: 'before validFrom: the next one down', installed: [p(0, 'TxDefaultProfile', 7), p(1, 'TxDefaultProfile', 9, { validFrom: new Date(at(10)).toISOString() })], s: 5, want: 7 },
    { name: 'W on 3 phases: 11040 W is 16 A', installed: [p(1, 'TxProfile', 11040, { unit: 'W' })], want: 16 },
    { name: 'W on 1 phase: 3680 W is 16 A', installed: [p(1, 'TxProfile', 3680, { unit: 'W' })], ctx: { transactionId: 42, phases: 1 }, want: 16 },
    { name: 'W at 230 V on 1 phase: 1380 W is 6 A', installed: [p(0, 'TxDefaultProfile', 1380, { unit: 'W' })], ctx: { transactionId: null, phases: 1 }, want: 6 },
    { name: 'a Relative profile is not read', installed: [p(1, 'TxDefaultProfile', 6, { chargingProfileKind: 'Relative' })], want: undefined },
    { name: 'no startSchedule: from when it was installed', installed: [{ ...p(1, 'TxDefaultProfile', 0), profile: { ...p(1, 'TxDefaultProfile', 0).profile, chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 14 }, { startPeriod: 5, limit: 7 }] } } }], s: 6, want: 7 },
  ];
  for (const c of cases) t.equal(readLimit(c.installed, 1, at(c.s ?? 1), c.ctx ?? RUNNING), c.want, c.name);
});

t.test('what SetChargingProfile takes and replaces; ClearChargingProfile', async (t) => {
  const tx = (id: number) => (id === 1 ? 42 : null);
  const req = (connectorId: number, profile: Installed['profile']) => ({ connectorId, csChargingProfiles: profile });
  const base = p(1, 'TxDefaultProfile', 10, { chargingProfileId: 1, stackLevel: 1 }).profile;
  const rejected: [string, number, Installed['profile']][] = [
    ['a ChargePointMaxProfile on connector 1', 1, { ...base, chargingProfilePurpose: 'ChargePointMaxProfile' }],
    ['a TxProfile on connector 0', 0, { ...base, chargingProfilePurpose: 'TxProfile' }],
    ['a TxProfile without a transaction', 2, { ...base, chargingProfilePurpose: 'TxProfile' }],
    ["a TxProfile for another transaction", 1, { ...base, chargingProfilePurpose: 'TxProfile', transactionId: 41 }],
    ['a Relative profile', 1, { ...base, chargingProfileKind: 'Relative' }],
    ['a connector that does not exist', 3, base],
  ];
  for (const [name, connector, profile] of rejected) t.equal(install([], req(connector, profile), T0, 2, tx).status, 'Rejected', name);
  t.equal(install([], req(1, { ...base, chargingProfilePurpose: 'TxProfile', transactionId: 42 }), T0, 2, tx).status, 'Accepted', 'a TxProfile for the running transaction');

  let installed = install([], req(1, base), T0, 2, tx).installed;
  installed = install(installed, req(1, { ...base, chargingProfileId: 2, chargingSchedule: { ...base.chargingSchedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } }), T0, 2, tx).installed;
  t.equal(installed.length, 1, 'same connector, purpose and stackLevel: replaced');
  t.equal(readLimit(installed, 1, at(1), RUNNING), 6);
  installed = install(installed, req(0, { ...base, chargingProfileId: 2 }), T0, 2, tx).installed;
  t.same(installed.map((x) => x.connectorId), [0], 'the same id elsewhere: replaced');
  installed = install(installed, req(1, { ...base, chargingProfileId: 3, stackLevel: 2 }), T0, 2, tx).installed;
  t.equal(installed.length, 2);

  t.equal(clear(installed, { id: 99 }).status, 'Unknown', 'nothing with that id');
  t.same(clear(installed, { id: 3 }).installed.map((x) => x.profile.chargingProfileId), [2], 'by id');
  t.same(clear(installed, { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile' }).installed.map((x) => x.profile.chargingProfileId), [2], 'by connector and purpose');
  t.same(clear(installed, { stackLevel: 1 }).installed.map((x) => x.profile.chargingProfileId), [3], 'by stackLevel');
  t.same(clear(installed, {}).installed, [], 'no criteria: all');
});

t.test('on the wire, against the ocpp-rpc test cloud as central system', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const charger = await physicalCharger(t, { url: cloud.url, identity: 'PH1', phases: 3, maxCurrentA: 16, meterIntervalMs: 50, responseDelayMs: 300 });
  await cloud.waitFor((c) => c.action === 'StatusNotification' && c.params.connectorId === 1, 'the connector status');
  const central = cloud.clients.get('PH1')!;

  charger.plugIn(1, { maxCurrentA: 32, phases: 1 });
  const { transactionId } = await charger.startTransaction(1, 'TAG1');
  t.same(charger.currents(), [16, 0, 0], 'a 1-phase car at the charger maximum, on L1');
  const meter = await cloud.waitFor((c) => c.action === 'MeterValues' && c.params.transactionId === transactionId, 'MeterValues');
  const currents = meter.params.meterValue[0].sampledValue.filter((s: any) => s.measurand === 'Current.Import');
  t.same(currents.map((s: any) => [s.phase, s.value]), [['L1', '16.0'], ['L2', '0.0'], ['L3', '0.0']], 'Current.Import for each charger phase');
  const statuses = cloud.calls.filter((c) => c.identity === 'PH1' && c.action !== 'MeterValues').map((c) => c.action + (c.params.status ? ` ${c.params.status}` : ''));
  t.same(statuses.slice(-2), ['StartTransaction', 'StatusNotification Charging'], 'Charging after StartTransaction');

  const sentAt = Date.now();
  const answer = await central.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: { ...p(1, 'TxProfile', 10).profile, transactionId, chargingSchedule: { startSchedule: '2020-01-01T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } } });
  t.same(answer, { status: 'Accepted' });
  t.equal(charger.limitA(1), 10, 'the limit is in force at once');
  // The car takes responseDelayMs to follow: not yet, then within the delay plus a tick.
  const until = Date.now();
  if (until - sentAt < 250) t.equal(charger.currentA(1), 16, 'the car has not followed yet');
  while (charger.currentA(1) !== 10) await new Promise((r) => setTimeout(r, 10));
  t.ok(Date.now() - sentAt >= 300, `the car followed after ${Date.now() - sentAt} ms`);

  t.same(await central.call('ClearChargingProfile', { chargingProfilePurpose: 'TxProfile' }), { status: 'Accepted' });
  t.equal(charger.limitA(1), 16);
  t.same(await central.call('RemoteStopTransaction', { transactionId }), { status: 'Accepted' });
  const stop = await cloud.waitFor((c) => c.action === 'StopTransaction', 'StopTransaction');
  t.match(stop.params, { transactionId, reason: 'Remote' });
  t.same(charger.currents(), [0, 0, 0], 'stopped: nothing flows');
  t.same(charger.validationFailures, [], 'no frame failed the schema check');
  t.same(cloud.validationFailures, [], 'nor on the cloud side');
});
