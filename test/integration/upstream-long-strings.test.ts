/**
 * Lenient mode keeps a 25-character idTag (gateway/tolerance.ts); the cloud must still be told
 * of that transaction. Before, chargegate's own outbound schema check refused to send the
 * StartTransaction, and after its attempts it went to the dead letters: the cloud never heard
 * of it. Now it is sent as the charger sent it; this test cloud (ocpp-rpc in strict mode) then
 * refuses it itself, which shows it arrived, and the outbox goes its usual way.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger } from '../helpers/raw.js';

const SITE = 'SITE-GW-1';
const LONG_TAG = 'A'.repeat(25);

t.test('a kept over-long idTag reaches the cloud in the StartTransaction', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.authorization.mode = 'accept-all';
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', answerTimeout: 0.5, callTimeout: 2, transactionMessageRetryInterval: 0, transactionMessageAttempts: 1, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  const cp1 = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await cp1.call('b', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const answer = await cp1.call('s', 'StartTransaction', { connectorId: 1, idTag: LONG_TAG, meterStart: 0, timestamp: new Date().toISOString() });
  t.match(answer, [3, 's', { transactionId: Number }], 'the charger gets its transactionId (lenient)');
  const seen = () => cloud.validationFailures.some((f) => JSON.stringify(f).includes(LONG_TAG)) || cloud.calls.some((c) => c.action === 'StartTransaction' && JSON.stringify(c.params).includes(LONG_TAG));
  await eventually(seen, 'the StartTransaction with the 25-character idTag at the cloud', 10_000);
  t.pass('sent as the charger sent it');
});
