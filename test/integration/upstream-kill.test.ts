/**
 * kill -9 of chargegate while messages for the cloud are queued, then a restart: nothing the
 * chargers were told is lost, nothing is sent twice. chargegate runs as a child process.
 */
import { once } from 'node:events';
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;


// Spawns the real process (twice, with a kill -9 between): its start-up alone takes seconds on a busy machine.
t.setTimeout(240_000);

t.test('kill -9 with messages queued for the cloud: after the restart each arrives exactly once', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  await cloud.down();
  const { file, url } = await killableConfig(t, cloud.url);
  const first = await spawnGateway(t, file);
  const cp1 = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  const told: number[] = [];
  for (let s = 0; s < 3; s++) {
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000 * s, timestamp: at(10 * s) });
    await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(10 * s + 5), sampledValue: [{ value: String(1000 * s + 400) }] }] });
    // The third session is still running when chargegate dies.
    if (s < 2) await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1000 * s + 700, timestamp: at(10 * s + 9) });
    told.push(start.transactionId);
  }
  first.kill('SIGKILL');
  await once(first, 'exit');
  await cp1.close({ force: true });

  await cloud.up();
  await spawnGateway(t, file);
  await eventually(() => cloud.calls.filter((c) => c.action === 'StartTransaction').length === 3 && cloud.calls.filter((c) => c.action === 'StopTransaction').length === 2, 'the queued messages at the cloud', 20_000);
  // The running session ends after the restart: its Stop follows the queued messages.
  const again = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await again.call('StopTransaction', { transactionId: told[2]!, meterStop: 2900, timestamp: at(29) });
  await eventually(() => cloud.calls.filter((c) => c.action === 'StopTransaction').length === 3, 'the last Stop', 10_000);

  const tx = cloud.calls.filter((c) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action));
  const ids = [...cloud.sessions.keys()];
  t.same(tx.map((c) => [c.action, c.params.transactionId ?? c.params.meterStart]), [
    ['StartTransaction', 0], ['MeterValues', ids[0]], ['StopTransaction', ids[0]],
    ['StartTransaction', 1000], ['MeterValues', ids[1]], ['StopTransaction', ids[1]],
    ['StartTransaction', 2000], ['MeterValues', ids[2]], ['StopTransaction', ids[2]],
  ], 'every message once, in order, none lost, none doubled');
  t.same([...cloud.sessions.values()].map((s) => [s.meterStart, s.meterStop]), [[0, 700], [1000, 1700], [2000, 2900]], 'the cloud\'s record equals what the charger did');
});
