/**
 * kill -9 of chargegate while TransactionEvents for a 2.0.1 CSMS are queued (#17), then a
 * restart: every event arrives once, in order, with the seqNo it was queued with and offline,
 * and the session still running at the kill goes on numbering where it was. chargegate runs as
 * a child process.
 */
import { once } from 'node:events';
import t from 'tap';
import { startCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

t.test('kill -9 with TransactionEvents queued for the 2.0.1 CSMS: after the restart each arrives once, seqNo unchanged', async (t) => {
  t.setTimeout(240_000);
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  await cloud.down();
  const { file, url } = await killableConfig(t, cloud.url, { mode: 'transparent', ocpp: '2.0.1' });
  const first = await spawnGateway(t, file);
  const cp1 = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  const told: number[] = [];
  for (let s = 0; s < 3; s++) {
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000 * s, timestamp: at(10 * s) });
    await cp1.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at(10 * s + 1) });
    await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(10 * s + 5), sampledValue: [{ value: String(1000 * s + 400) }] }] });
    // The third session is still running when chargegate dies.
    if (s < 2) {
      await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1000 * s + 700, timestamp: at(10 * s + 9) });
      await cp1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(10 * s + 9) });
    }
    told.push(start.transactionId);
  }
  first.kill('SIGKILL');
  await once(first, 'exit');
  await cp1.close({ force: true });

  await cloud.up();
  await spawnGateway(t, file);
  const events = () => cloud.calls.filter((c) => c.action === 'TransactionEvent');
  await eventually(() => events().length === 11, 'the queued TransactionEvents at the CSMS', 30_000);
  // The running session ends after the restart: its Ended follows the queued events, numbered on.
  const again = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await again.call('BootNotification', bootPayload);
  await again.call('StopTransaction', { transactionId: told[2]!, meterStop: 2900, timestamp: at(29) });
  await eventually(() => events().length === 12, 'the last Ended');

  t.same(events().map((c) => [c.params.eventType, c.params.seqNo, c.params.offline ?? false]), [
    ['Started', 0, true], ['Updated', 1, true], ['Updated', 2, true], ['Ended', 3, true],
    ['Started', 0, true], ['Updated', 1, true], ['Updated', 2, true], ['Ended', 3, true],
    ['Started', 0, true], ['Updated', 1, true], ['Updated', 2, true],
    ['Ended', 3, false],
  ], 'every event once, in order, with its seqNo; offline while queued');
  const ids = [...cloud.transactions.keys()];
  t.equal(ids.length, 3, 'three transactions, one transactionId each');
  t.same(ids.map((id) => Number(id.split('-')[0])), told, 'named after chargegate\'s sessions');
  t.same([...cloud.transactions.values()].map((list) => list.at(-1)!.meterValue![0]!.sampledValue[0]!.value), [700, 1700, 2900], 'each Ended with its meterStop');
  t.same(cloud.validationFailures, []);
});
