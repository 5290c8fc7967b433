/**
 * What a 2.0.1 TransactionEvent writes, and how often it waits for the disk (issue 16's bench
 * goal: an Updated within 0.9 of a 1.6 MeterValues). An Updated is one durable write, its
 * samples and its record (the replay check's transactionId + seqNo) together, like a 1.6
 * MeterValues; its chargingState reaches the connector's status only when it changed.
 */
import t from 'tap';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { boot201, rpcCharger201 } from '../helpers/rpc-charger.js';

const T0 = '2025-06-01T10:00:00.000Z';
const REF = 'writes-tx-0001';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const started = {
  eventType: 'Started',
  timestamp: T0,
  triggerReason: 'Authorized',
  seqNo: 0,
  transactionInfo: { transactionId: REF, chargingState: 'Charging' },
  evse: { id: 1, connectorId: 1 },
  idToken: { idToken: 'TAG1', type: 'ISO14443' },
  meterValue: [{ timestamp: T0, sampledValue: [{ value: 4000, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
};
/** Updated n (minute n), chargingState as given, an energy reading and a phase current. */
const updated = (n: number, chargingState = 'Charging') => ({
  eventType: 'Updated',
  timestamp: at(n),
  triggerReason: chargingState === 'Charging' ? 'MeterValuePeriodic' : 'ChargingStateChanged',
  seqNo: n,
  transactionInfo: { transactionId: REF, chargingState },
  meterValue: [
    {
      timestamp: at(n),
      sampledValue: [
        { value: 4000 + 100 * n, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
        { value: 16, context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A' } },
      ],
    },
  ],
});

t.test('an Updated with an unchanged chargingState waits for one durable write, as a 1.6 MeterValues; a changed one for two', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  const { store } = gw.app;
  const durably = store.durably.bind(store);
  let writes = 0;
  store.durably = (work) => (writes++, durably(work));
  await cp.call('TransactionEvent', started);
  const id = store.sessions.byReference('CP1', REF)!.transactionId;

  writes = 0;
  t.same(await cp.call('TransactionEvent', updated(1)), {});
  t.equal(writes, 1, 'Updated, chargingState Charging again: its samples and its record in one write (before: status, samples, record, each awaited)');
  t.ok(store.sessions.eventSeen('CP1', REF, 1), 'the event is recorded');
  t.equal(store.meters.forTransaction(id).filter((s) => s.timestamp === at(1)).length, 2, 'with its samples');

  const byReference = store.sessions.byReference.bind(store.sessions);
  let reads = 0;
  store.sessions.byReference = (charger, reference) => (reads++, byReference(charger, reference));
  writes = 0;
  await cp.call('TransactionEvent', updated(2, 'SuspendedEV'));
  t.equal(reads, 0, 'the session\'s ids were read once on this connection, not for each Updated');
  t.equal(writes, 2, 'chargingState changed: the connector status, then the samples with the record');
  t.equal(gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'SuspendedEV');

  writes = 0;
  const { meterValue: _, ...bare } = updated(3, 'SuspendedEV');
  await cp.call('TransactionEvent', bare);
  t.equal(writes, 1, 'no samples, no change: the record alone');
  t.ok(store.sessions.eventSeen('CP1', REF, 3));

  writes = 0;
  t.same(await cp.call('TransactionEvent', updated(1)), {}, 'a replay is answered');
  t.equal(writes, 0, 'and not redone');
  t.equal(store.meters.forTransaction(id).filter((s) => s.timestamp === at(1)).length, 2, 'its samples stored once');
});

t.test('a Faulted reported between Updateds stays until the charger says otherwise: an unchanged chargingState does not overwrite it', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  const status = () => gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status;
  await cp.call('TransactionEvent', started);
  t.equal(status(), 'Charging');
  await cp.call('StatusNotification', { timestamp: at(1), connectorStatus: 'Faulted', evseId: 1, connectorId: 1 });
  t.equal(status(), 'Faulted');
  await cp.call('TransactionEvent', updated(2));
  t.equal(status(), 'Faulted', 'the periodic Updated repeating Charging leaves the fault shown (before: Charging)');
  await cp.call('StatusNotification', { timestamp: at(3), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  t.equal(status(), 'Charging', 'the fault cleared: Occupied with chargingState Charging');
  await cp.call('TransactionEvent', updated(4, 'SuspendedEVSE'));
  t.equal(status(), 'SuspendedEVSE', 'a changed chargingState is passed on');
});

t.test('the samples and the record are one unit: when the write fails, neither is kept, the charger hears an error and its resend is handled', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  const { store } = gw.app;
  await cp.call('TransactionEvent', started);
  const id = store.sessions.byReference('CP1', REF)!.transactionId;
  const noteEvent = store.sessions.noteEvent.bind(store.sessions);
  store.sessions.noteEvent = () => {
    throw new Error('disk I/O error (test)');
  };
  const error = await cp.call('TransactionEvent', updated(1)).then(() => 'answered', (e: { rpcErrorCode?: string }) => e.rpcErrorCode);
  t.equal(error, 'InternalError', 'not answered as handled');
  t.equal(store.meters.forTransaction(id).filter((s) => s.timestamp === at(1)).length, 0, 'its samples were not kept without the record (before: kept)');
  store.sessions.noteEvent = noteEvent;
  t.same(await cp.call('TransactionEvent', updated(1)), {}, 'the resend is answered');
  t.equal(store.meters.forTransaction(id).filter((s) => s.timestamp === at(1)).length, 2, 'its samples stored once');
  t.ok(store.sessions.eventSeen('CP1', REF, 1));
});
