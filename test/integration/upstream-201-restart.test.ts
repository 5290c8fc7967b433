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
