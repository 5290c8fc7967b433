/**
 * kill -9 of chargegate while both the primary's and a mirror's outboxes hold messages, then a
 * restart: each cloud receives every transaction exactly once, in order, in its own ids.
 * chargegate runs as a child process.
 */
import { once } from 'node:events';
import t from 'tap';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const TX_ACTIONS = ['StartTransaction', 'MeterValues', 'StopTransaction'];

t.test('kill -9 with messages queued for the primary and a mirror: after the restart each gets every transaction exactly once', async (t) => {
  t.setTimeout(240_000);
  const primary = await startCloud();
  const mirror = await startCloud(0, undefined, { firstTransactionId: 9001 });
  t.teardown(() => primary.close());
  t.teardown(() => mirror.close());
  const link = { callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
  const { file, url } = await killableConfig(t, primary.url, { mirrors: [{ name: 'registry', url: mirror.url, identity: 'REGISTRY-7', ...link }] });
  // Both clouds away from the start: whatever the site does waits in both outboxes (a message
  // delivered just before the kill may be resent once, by design; here none is in flight).
  await primary.down();
  await mirror.down();
  const first = await spawnGateway(t, file);

  const cp1 = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  const told: number[] = [];
  const session = async (s: number, stop: boolean) => {
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000 * s, timestamp: at(10 * s) });
    await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(10 * s + 5), sampledValue: [{ value: String(1000 * s + 400) }] }] });
    if (stop) await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1000 * s + 700, timestamp: at(10 * s + 9) });
    told.push(start.transactionId);
  };
  await session(0, true);
  await session(1, true);
  // The third session is still running when chargegate dies.
  await session(2, false);
  first.kill('SIGKILL');
  await once(first, 'exit');
  await cp1.close({ force: true });

  await primary.up();
  await mirror.up();
  await spawnGateway(t, file);
  const count = (cloud: TestCloud, action: string) => cloud.calls.filter((c) => c.action === action).length;
  await eventually(() => [primary, mirror].every((c) => count(c, 'StartTransaction') === 3 && count(c, 'StopTransaction') === 2), 'the queued messages at both clouds', 30_000);
  const again = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await again.call('StopTransaction', { transactionId: told[2]!, meterStop: 2900, timestamp: at(29) });
  await eventually(() => [primary, mirror].every((c) => count(c, 'StopTransaction') === 3), 'the last Stop at both clouds', 20_000);

  for (const [name, cloud, firstId] of [['primary', primary, 5001], ['mirror', mirror, 9001]] as const) {
    const ids = [...cloud.sessions.keys()];
    t.same(ids, [firstId, firstId + 1, firstId + 2], `${name}: three transactions, in its own ids`);
    const tx = cloud.calls.filter((c) => TX_ACTIONS.includes(c.action)).map((c) => [c.action, c.params.transactionId ?? c.params.meterStart]);
    t.same(tx, [
      ['StartTransaction', 0], ['MeterValues', ids[0]], ['StopTransaction', ids[0]],
      ['StartTransaction', 1000], ['MeterValues', ids[1]], ['StopTransaction', ids[1]],
      ['StartTransaction', 2000], ['MeterValues', ids[2]], ['StopTransaction', ids[2]],
    ], `${name}: every message once, in order, none lost, none doubled`);
    t.same([...cloud.sessions.values()].map((s) => [s.meterStart, s.meterStop]), [[0, 700], [1000, 1700], [2000, 2900]], `${name}: its record equals what the charger did`);
    t.same(cloud.validationFailures, [], `${name}: every frame validates`);
  }
});
