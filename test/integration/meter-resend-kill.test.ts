/**
 * kill -9 of the real chargegate process while a charger sends MeterValues: the charger then
 * resends what it was not sure had arrived (1.6 §3.7). Each sample is stored once, and reaches
 * the cloud once (issue 14: 2 of 1,475 resent MeterValues were stored twice).
 */
import { once } from 'node:events';
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const reading = (n: number) => [{ timestamp: at(n), sampledValue: [{ value: String(1000 + 100 * n), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, { value: String(10 + n), measurand: 'Current.Import', unit: 'A', phase: 'L1' }] }];


// Spawns the real process (twice, with a kill -9 between): its start-up alone takes seconds on a busy machine.
t.setTimeout(240_000);

t.test('MeterValues resent after kill -9 are stored once and delivered to the cloud once', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  await cloud.down();
  const { file, url, dataDir } = await killableConfig(t, cloud.url);
  const first = await spawnGateway(t, file);
  const cp = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: at(0) });
  for (let n = 1; n <= 4; n++) await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: reading(n) });
  // The fifth goes out as chargegate dies: whether it was stored, the charger cannot know.
  const fifth = cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: reading(5) }).catch(() => undefined);
  first.kill('SIGKILL');
  await once(first, 'exit');
  await fifth;
  await cp.close({ force: true });

  await cloud.up();
  const second = await spawnGateway(t, file);
  const again = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  // A charger that lost its connection resends its unconfirmed tail, and some resend more.
  for (const n of [3, 4, 5]) t.same(await again.call('MeterValues', { connectorId: 1, transactionId, meterValue: reading(n) }), {}, `MeterValues ${n} resent: answered`);
  await again.call('StopTransaction', { transactionId, meterStop: 1600, timestamp: at(6) });
  await eventually(() => cloud.calls.some((c) => c.action === 'StopTransaction'), 'the Stop at the cloud', 20_000);

  const sent = cloud.calls.filter((c) => c.action === 'MeterValues').map((c) => c.params.meterValue[0].timestamp as string);
  t.same(sent, [1, 2, 3, 4, 5].map(at), 'each MeterValues reaches the cloud once, in order');

  // Killed too: what was answered is on disk (WAL), which is the point.
  await again.close({ force: true });
  second.kill('SIGKILL');
  await once(second, 'exit');
  const store = openSqliteStore(dataDir);
  t.teardown(() => store.close());
  const samples = store.meters.forTransaction(transactionId);
  t.equal(samples.length, 10, 'five readings of two samples each, stored once');
  t.same([...new Set(samples.map((s) => s.timestamp))], [1, 2, 3, 4, 5].map(at));
});
