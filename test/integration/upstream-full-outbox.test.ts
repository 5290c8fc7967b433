/**
 * A full outbox (upstream.outbox.maxMessages) while the cloud is away: every second
 * intermediate MeterValues is given up and said loudly; the Start, the Stop, and the first and
 * last MeterValues of the transaction always arrive, in order.
 */
import t from 'tap';
import type { GatewayEvents } from '../../src/events.js';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rpcCharger } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const READINGS = 160;
const MAX = 100;

t.test('a full outbox gives up every second intermediate MeterValues, never the Start or the Stop', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', outbox: { maxMessages: MAX }, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the link to be up');
  const evicted: GatewayEvents['upstream.evicted'][] = [];
  gw.app.events.on('upstream.evicted', (e) => evicted.push(e));
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the link to notice');

  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T10:00:00.000Z' });
  for (let i = 1; i <= READINGS; i++) {
    const timestamp = new Date(Date.parse('2025-06-01T10:00:00.000Z') + i * 60_000).toISOString();
    await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp, sampledValue: [{ value: String(i * 100), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  }
  await cp.call('StopTransaction', { transactionId, meterStop: READINGS * 100 + 50, timestamp: '2025-06-01T13:00:00.000Z' });
  await eventually(() => evicted.length > 0, 'the eviction announced (upstream.evicted, and an error in the log)');
  await eventually(() => gw.app.upstream!.outboxDepth() <= MAX + 1, 'the outbox back near its bound');

  await cloud.up();
  await eventually(() => [...cloud.sessions.values()].some((s) => s.meterStop !== undefined), 'the Stop at the cloud', 10_000);
  await eventually(() => gw.app.upstream!.outboxDepth() === 0, 'the outbox to drain');
  const sent = cloud.calls.filter((c) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action));
  t.equal(sent[0]!.action, 'StartTransaction', 'the Start first');
  t.equal(sent.at(-1)!.action, 'StopTransaction', 'the Stop last');
  const readings = sent.filter((c) => c.action === 'MeterValues').map((c) => Number(c.params.meterValue[0].sampledValue[0].value));
  // Evictions run after the commit that overfilled the outbox: counted once all is delivered.
  const givenUp = evicted.reduce((n, e) => n + e.meterValues, 0);
  t.ok(givenUp > 0, 'MeterValues were given up');
  t.equal(readings.length, READINGS - givenUp, 'every MeterValues not announced as given up arrives, once');
  t.same(readings, [...readings].sort((a, b) => a - b), 'in order');
  t.equal(readings[0], 100, 'the first reading kept');
  t.equal(readings.at(-1), READINGS * 100, 'the last reading kept');
  t.match([...cloud.sessions.values()][0], { meterStart: 0, meterStop: READINGS * 100 + 50 }, "the cloud's energy is exact: it comes from Start and Stop");
  t.same(cloud.validationFailures, []);
});
