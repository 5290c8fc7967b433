/**
 * The 2.0.1 upstream across a kill -9 of chargegate (#17): a RequestStartTransaction's
 * remoteStartId still reaches the Started of the session the charger starts after the restart,
 * and messages queued for a 1.6 cloud reach the 2.0.1 cloud chargegate is restarted with.
 * chargegate runs as a child process.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { startCloud } from '../helpers/cloud.js';
import { startCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

t.test('kill -9 between a RequestStartTransaction and its Started: the Started still carries the remoteStartId', async (t) => {
  t.setTimeout(240_000);
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { file, url } = await killableConfig(t, cloud.url, { mode: 'transparent', ocpp: '2.0.1' });
  const first = await spawnGateway(t, file);
  const cp1 = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  cp1.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
  await cp1.call('BootNotification', bootPayload);
  await eventually(() => cloud.clients.has('CP1') && cloud.calls.some((c) => c.identity === 'CP1' && c.action === 'BootNotification'), 'CP1 at the CSMS', 30_000);
  t.same(await cloud.command('CP1', 'RequestStartTransaction', { evseId: 1, remoteStartId: 4711, idToken: { idToken: 'TAG1', type: 'ISO14443' } }), { status: 'Accepted' });
  // chargegate dies before the car is plugged in.
  first.kill('SIGKILL');
  await once(first, 'exit');
  await cp1.close({ force: true });

  await spawnGateway(t, file);
  const again = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await again.call('BootNotification', bootPayload);
  await again.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: at(1) });
  await eventually(() => cloud.transactions.size === 1, 'the Started at the CSMS', 30_000);
  const [events] = [...cloud.transactions.values()];
  t.match(events![0], { eventType: 'Started', triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 4711 } }, 'the CSMS learns which of its requests started the session');
  t.same(cloud.validationFailures, []);
});

t.test('upstream.ocpp changed from 1.6 to 2.0.1 with sessions queued: after the restart the 2.0.1 cloud gets them, in order, once', async (t) => {
  t.setTimeout(240_000);
  const cloud16 = await startCloud();
  t.teardown(() => cloud16.close());
  await cloud16.down();
  const { file, url } = await killableConfig(t, cloud16.url, { mode: 'transparent', ocpp: '1.6' });
  const first = await spawnGateway(t, file);
  const cp1 = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  const told: number[] = [];
  for (let s = 0; s < 2; s++) {
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000 * s, timestamp: at(10 * s) });
    await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(10 * s + 5), sampledValue: [{ value: String(1000 * s + 400) }] }] });
    await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1000 * s + 700, timestamp: at(10 * s + 9) });
    told.push(start.transactionId);
  }
  first.kill('SIGKILL');
  await once(first, 'exit');
  await cp1.close({ force: true });

  // The site moves to a 2.0.1 CSMS while the 1.6 messages are still queued.
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const config = parse(readFileSync(file, 'utf8'));
  config.upstream = { ...config.upstream, url: cloud.url, ocpp: '2.0.1' };
  writeFileSync(file, stringify(config));
  await spawnGateway(t, file);
  const again = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await again.call('BootNotification', bootPayload);
  const ended = () => [...cloud.transactions.values()].filter((events) => events.some((e) => e.eventType === 'Ended'));
  await eventually(() => ended().length === 2, 'both sessions at the 2.0.1 CSMS', 30_000);
  t.same(
    [...cloud.transactions.entries()].map(([id, events]) => [Number(id.split('-')[0]), events.map((e) => [e.eventType, e.seqNo, e.offline ?? false])]),
    told.map((local) => [local, [['Started', 0, true], ['Updated', 1, true], ['Ended', 2, true]]]),
    'each session whole, in order, each event once, offline (queued while no cloud took it)',
  );
  t.same([...cloud.transactions.values()].map((events) => events.flatMap((e) => e.meterValue!.map((m) => m.sampledValue[0]!.value))), [[0, 400, 700], [1000, 1400, 1700]], 'the readings');
  t.same(cloud16.calls, [], 'nothing went to the old cloud');
  t.same(cloud.validationFailures, []);
});
