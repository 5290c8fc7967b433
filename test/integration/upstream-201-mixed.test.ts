/**
 * A strict 2.0.1 CSMS above 2.0.1 chargers and above a mixed site (a 1.6 and a 2.0.1 charger),
 * transparent mode (#17): sessions online and whole sessions across an outage arrive once, in
 * order, numbered from 0 per transaction, and every frame the CSMS receives passes ocpp-rpc's own
 * copy of the 2.0.1 schemas (its strictValidationFailure events stay empty).
 */
import t, { type Test } from 'tap';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const upstream201 = (url: string) => ({ mode: 'transparent', ocpp: '2.0.1', url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } });
const energy = (value: number, context: string, minute: number) => [{ timestamp: at(minute), sampledValue: [{ value, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];

/** CP1 a 1.6 charger, CP2 a 2.0.1 one (or CP2 alone), both behind the 2.0.1 CSMS. */
async function site(t: Test, cloud: TestCloud201, mixed: boolean) {
  const gw = await startGateway(t, {
    bootedBefore: mixed ? ['CP1', 'CP2'] : ['CP2'],
    patch: (c) => {
      // CP2 alone: its channel is the only one, so "offline" is its own link's state.
      if (!mixed) c.chargers.list = [c.chargers.list[1]];
      c.upstream = upstream201(cloud.url);
    },
  });
  // The first connection of a run also compiles ocpp-rpc's 2.0.1 schemas: allow for it.
  await eventually(() => gw.app.upstream!.online(), 'both stations online at the CSMS', 20_000);
  const cp2 = await rpcCharger201(t, gw.url, 'CP2', PASSWORDS.CP2);
  await cp2.call('BootNotification', boot201);
  await cp2.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  let cp1: RpcClient | undefined;
  if (mixed) {
    cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
    await cp1.call('BootNotification', bootPayload);
    await cp1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(0) });
  }
  return { gw, cp1, cp2 };
}

/** A whole 2.0.1 session (Started, a periodic reading, Ended) under the charger's transactionId `id`. */
async function session201(cp: RpcClient, id: string, meterStart: number) {
  await cp.call('TransactionEvent', { eventType: 'Started', seqNo: 0, timestamp: at(1), triggerReason: 'Authorized', evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG2', type: 'ISO14443' }, transactionInfo: { transactionId: id, chargingState: 'Charging' }, meterValue: energy(meterStart, 'Transaction.Begin', 1) });
  await cp.call('TransactionEvent', { eventType: 'Updated', seqNo: 1, timestamp: at(3), triggerReason: 'MeterValuePeriodic', transactionInfo: { transactionId: id }, meterValue: energy(meterStart + 20, 'Sample.Periodic', 3) });
  await cp.call('TransactionEvent', { eventType: 'Ended', seqNo: 2, timestamp: at(4), triggerReason: 'EVCommunicationLost', transactionInfo: { transactionId: id, stoppedReason: 'EVDisconnected' }, meterValue: energy(meterStart + 40, 'Transaction.End', 4) });
}

/** A whole 1.6 session; returns chargegate's transactionId. */
async function session16(cp: RpcClient, meterStart: number): Promise<number> {
  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart, timestamp: at(1) });
  await cp.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(3), sampledValue: [{ value: String(meterStart + 20), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: meterStart + 40, timestamp: at(4), reason: 'EVDisconnected' });
  return start.transactionId;
}

const ended = (cloud: TestCloud201) => [...cloud.transactions.values()].filter((events) => events.some((e) => e.eventType === 'Ended')).length;
/**
 * Each transaction at the CSMS, by transactionId: whether its seqNo run 0..n without gap or
 * repeat, its first and last eventType, and its energy readings in order, each as often as the
 * CSMS got it (the Started's Transaction.Begin reading once: not again in an Updated).
 */
const series = (cloud: TestCloud201, identity: string) =>
  [...cloud.transactions.entries()]
    .filter(([, events]) => events[0]!.identity === identity)
    .map(([id, events]) => {
      const readings = events.flatMap((e) => (e.meterValue ?? []).flatMap((m) => m.sampledValue.map((v) => v.value)));
      return [
        id,
        {
          seqNos: events.every((e, i) => e.seqNo === i),
          types: [events[0]!.eventType, ...new Set(events.slice(1, -1).map((e) => e.eventType)), events.at(-1)!.eventType],
          readings,
          endReadings: events.at(-1)!.meterValue!.length,
        },
      ] as const;
    });
const whole = (readings: number[]) => ({ seqNos: true, types: ['Started', 'Updated', 'Ended'], readings, endReadings: 1 });

t.test('a 2.0.1 charger\'s whole sessions while the 2.0.1 CSMS is down: each event once, in order, seqNo from 0, its own transactionIds', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw, cp2 } = await site(t, cloud, false);
  await session201(cp2, 'ev-tx-online', 10);
  await eventually(() => ended(cloud) === 1, 'the online session at the CSMS');
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the CSMS gone');
  await session201(cp2, 'ev-tx-a', 100);
  await session201(cp2, 'ev-tx-b', 200);
  await cloud.up();
  await eventually(() => ended(cloud) === 3, 'both queued sessions at the CSMS', 10_000);
  t.same(series(cloud, 'CP2'), [
    ['ev-tx-online', whole([10, 30, 50])],
    ['ev-tx-a', whole([100, 120, 140])],
    ['ev-tx-b', whole([200, 220, 240])],
  ], 'each session whole, numbered from 0 without gap, its end reading once');
  const order = cloud.calls.filter((c) => c.action === 'TransactionEvent').map((c) => c.params.transactionInfo.transactionId);
  t.same(order.filter((id, i) => id !== order[i - 1]), ['ev-tx-online', 'ev-tx-a', 'ev-tx-b'], 'the first queued session before the second, not interleaved');
  const queued = cloud.calls.filter((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId !== 'ev-tx-online');
  t.ok(queued.every((c) => c.params.offline === true), 'queued while the CSMS was away: offline');
  t.notOk(cloud.calls.some((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === 'ev-tx-online' && c.params.offline), 'sent while connected: not offline');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('a mixed site (1.6 CP1, 2.0.1 CP2) behind the 2.0.1 CSMS: both stations\' sessions online and across an outage', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw, cp1, cp2 } = await site(t, cloud, true);
  await cloud.waitFor((c) => c.identity === 'CP2' && c.action === 'BootNotification' && c.params.chargingStation.vendorName === 'EVBox', 'the 2.0.1 charger\'s boot relayed');
  t.match(cloud.calls.find((c) => c.identity === 'CP1' && c.action === 'BootNotification')!.params, { chargingStation: { vendorName: 'TestVendor' } }, 'the 1.6 charger as a 2.0.1 station');

  const local1 = await session16(cp1!, 1000);
  await session201(cp2, 'ev-tx-online', 10);
  await eventually(() => ended(cloud) === 2, 'both online sessions at the CSMS');

  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the CSMS gone');
  const local2 = await session16(cp1!, 2000);
  await session201(cp2, 'ev-tx-offline', 100);
  await cloud.up();
  await eventually(() => ended(cloud) === 4, 'both queued sessions at the CSMS', 10_000);

  const cp1Series = series(cloud, 'CP1');
  t.same(cp1Series.map(([id]) => Number(id.split('-')[0])), [local1, local2], 'the 1.6 sessions under chargegate\'s transactionIds');
  t.same(cp1Series.map(([, s]) => s), [whole([1000, 1020, 1040]), whole([2000, 2020, 2040])], 'the 1.6 sessions whole, in order');
  t.same(series(cloud, 'CP2'), [
    ['ev-tx-online', whole([10, 30, 50])],
    ['ev-tx-offline', whole([100, 120, 140])],
  ], 'the 2.0.1 sessions under the charger\'s own transactionIds, whole, in order');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});
