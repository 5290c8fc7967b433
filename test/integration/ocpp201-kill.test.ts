/**
 * kill -9 of the real chargegate process while a 2.0.1 charger sends TransactionEvents: each
 * Updated's samples and its record (transactionId + seqNo, what the replay check reads) are one
 * durable write. After the kill every recorded event has its samples on disk; the charger
 * resends its unconfirmed tail (and some more), each resend is answered, and every sample is
 * stored exactly once.
 */
import { once } from 'node:events';
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startCloud } from '../helpers/cloud.js';
import { PASSWORDS } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { boot201, rpcCharger201 } from '../helpers/rpc-charger.js';

t.setTimeout(240_000);

const REF = 'kill-tx-0001';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const energy = (wh: number, context: string, minute: number) => ({ timestamp: at(minute), sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] });
const started = {
  eventType: 'Started',
  timestamp: at(0),
  triggerReason: 'Authorized',
  seqNo: 0,
  transactionInfo: { transactionId: REF, chargingState: 'Charging' },
  evse: { id: 1, connectorId: 1 },
  idToken: { idToken: 'TAG1', type: 'ISO14443' },
  meterValue: [energy(1000, 'Transaction.Begin', 0)],
};
/** Updated n: two samples at minute n, the chargingState unchanged (the periodic event). */
const updated = (n: number) => ({
  eventType: 'Updated',
  timestamp: at(n),
  triggerReason: 'MeterValuePeriodic',
  seqNo: n,
  transactionInfo: { transactionId: REF, chargingState: 'Charging' },
  meterValue: [{ ...energy(1000 + 100 * n, 'Sample.Periodic', n), sampledValue: [...energy(1000 + 100 * n, 'Sample.Periodic', n).sampledValue, { value: 10 + n, context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A' } }] }],
});
const ended = {
  eventType: 'Ended',
  timestamp: at(9),
  triggerReason: 'StopAuthorized',
  seqNo: 9,
  transactionInfo: { transactionId: REF, stoppedReason: 'Local' },
  meterValue: [energy(1900, 'Transaction.End', 9)],
};

t.test('TransactionEvents resent after kill -9: every recorded event has its samples, each resend is answered, each sample is stored once', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const { file, url, dataDir } = await killableConfig(t, cloud.url);
  const first = await spawnGateway(t, file);
  // A spawned gateway compiles the 2.0.1 schemas at the first 2.0.1 connection: slow on a loaded box.
  const cp = await rpcCharger201(t, url, 'CP1', PASSWORDS.CP1, { callTimeoutMs: 60_000 });
  await cp.call('BootNotification', boot201);
  await cp.call('TransactionEvent', started);
  for (let n = 1; n <= 4; n++) t.same(await cp.call('TransactionEvent', updated(n)), {}, `Updated ${n} answered`);
  // The fifth goes out as chargegate dies: whether it was stored, the charger cannot know.
  const fifth = cp.call('TransactionEvent', updated(5)).then(() => 'answered', () => 'lost');
  first.kill('SIGKILL');
  await once(first, 'exit');
  const fifthOutcome = await fifth;
  await cp.close({ force: true });

  // On disk after the kill: no event recorded without its samples (a replay of it would be
  // answered "already handled" and its samples lost), and what was answered is there.
  {
    const store = openSqliteStore(dataDir);
    const id = store.sessions.byReference('CP1', REF)!.transactionId;
    const samplesAt = (n: number) => store.meters.forTransaction(id).filter((s) => s.timestamp === at(n)).length;
    for (let n = 1; n <= 5; n++) {
      const recorded = store.sessions.eventSeen('CP1', REF, n);
      t.equal(samplesAt(n), recorded ? 2 : 0, `Updated ${n}: ${recorded ? 'recorded, with its two samples' : 'not recorded, nor its samples'}`);
      if (n <= 4 || fifthOutcome === 'answered') t.ok(recorded, `Updated ${n} was answered: it is on disk`);
    }
    store.close();
  }

  const second = await spawnGateway(t, file);
  const again = await rpcCharger201(t, url, 'CP1', PASSWORDS.CP1, { callTimeoutMs: 60_000 });
  await again.call('BootNotification', boot201);
  // The unconfirmed tail, and some before it: answered whether stored before the kill or not.
  for (const n of [3, 4, 5]) t.same(await again.call('TransactionEvent', updated(n)), {}, `Updated ${n} resent: answered`);
  t.same(await again.call('TransactionEvent', updated(6)), {}, 'the next one');
  await again.call('TransactionEvent', ended);
  await again.close({ force: true });
  second.kill('SIGKILL');
  await once(second, 'exit');

  const store = openSqliteStore(dataDir);
  t.teardown(() => store.close());
  const session = store.sessions.byReference('CP1', REF)!;
  t.match(session, { state: 'completed', meterStart: 1000, meterStop: 1900, energyWh: 900 });
  const samples = store.meters.forTransaction(session.transactionId).filter((s) => s.context === 'Sample.Periodic');
  t.equal(samples.length, 12, 'six Updated events of two samples each, stored once');
  t.same([...new Set(samples.map((s) => s.timestamp))], [1, 2, 3, 4, 5, 6].map(at), 'in order');
  for (let n = 1; n <= 6; n++) t.ok(store.sessions.eventSeen('CP1', REF, n), `Updated ${n} recorded`);
});
