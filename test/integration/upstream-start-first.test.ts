/**
 * A session that began before the cloud upstream was configured: when it ends, its
 * StartTransaction goes up first, then its StopTransaction with the id the cloud gave that
 * Start. Real sockets: a test cloud and a charger on ocpp-rpc (strict), a real restart on the
 * same data directory. Kills the mutation stop-without-its-start.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';

t.test('a session started before the upstream was configured: at its Stop, its Start goes up first', async (t) => {
  const dir = t.testdir();

  // 1. No upstream yet: the session starts, the gateway answers it alone.
  const before = await startGateway(t, { dir });
  const first = await rpcCharger(t, before.url, 'CP2', PASSWORDS.CP2);
  await first.call('BootNotification', bootPayload);
  const start = await first.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 1000, timestamp: '2025-06-01T10:01:00.000Z' });
  await first.close({ force: true });
  await before.stop();

  // 2. The operator configures a cloud and restarts the gateway on the same data.
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const after = await startGateway(t, {
    dir,
    patch: (c) => {
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => after.app.upstream!.online(), 'the link to the cloud');

  // 3. The session ends.
  const again = await rpcCharger(t, after.url, 'CP2', PASSWORDS.CP2);
  await again.call('BootNotification', bootPayload);
  await again.call('StopTransaction', { transactionId: start.transactionId, meterStop: 4000, timestamp: '2025-06-01T10:30:00.000Z', idTag: 'TAG2', reason: 'Local' });

  const stop = await cloud.waitFor((c) => c.action === 'StopTransaction', 'the Stop at the cloud');
  const transactionMessages = cloud.calls.filter((c) => c.action === 'StartTransaction' || c.action === 'StopTransaction').map((c) => c.action);
  t.same(transactionMessages, ['StartTransaction', 'StopTransaction'], 'the Start went up first, once');
  t.match(cloud.calls.find((c) => c.action === 'StartTransaction')!.params, { connectorId: 2, idTag: 'TAG2', meterStart: 1000, timestamp: '2025-06-01T10:01:00.000Z' }, 'the Start as the charger sent it, on the site\'s connector 2');
  const session = cloud.sessions.get(stop.params.transactionId);
  t.match(session, { identity: SITE, meterStart: 1000, meterStop: 4000 }, "the Stop names the cloud's id of that Start: the cloud's record is whole");
  t.same(cloud.validationFailures, [], 'everything sent up passed ocpp-rpc\'s schema check');
});
