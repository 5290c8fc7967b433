/**
 * A cloud CSMS whose answers deviate from the OCPP 1.6 schemas the way a lenient charger's do:
 * a property 1.6 does not know, a status in its own spelling. It took the transaction all the
 * same. chargegate used to read such an answer as a refusal: the StartTransaction was sent again
 * (the cloud opened a new transaction each time it could not tell it was the same one) and, after
 * `transactionMessageAttempts`, went to the dead letters, its Stop with it. Now the cloud's
 * answers get the safe repairs of ocpp/answer-repair.ts; an answer they cannot make valid is
 * still not taken.
 *
 * Real parts: the gateway, a raw OCPP charger, and the test cloud on ocpp-rpc whose answers are
 * changed after its own strict check (test/helpers/cloud.ts `deviate`).
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger } from '../helpers/raw.js';

const SITE = 'SITE-GW-1';

t.test("the cloud answers StartTransaction with an unknown property and a lower-case status: delivered once, its Stop too, nothing dead", async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  cloud.deviate.set('StartTransaction', (a: { transactionId: number; idTagInfo: { status: string } }) => ({ ...a, idTagInfo: { status: a.idTagInfo.status.toLowerCase() }, sessionUrl: 'https://csms.example/s/1' }));
  // The 1.6 StopTransaction.conf schema takes unknown properties: this one is valid as it is.
  cloud.deviate.set('StopTransaction', (a: object) => ({ ...a, receipt: 'R-1' }));
  const log = capturingLogger('info');
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      c.authorization.mode = 'accept-all';
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', answerTimeout: 0.5, callTimeout: 2, transactionMessageRetryInterval: 0, transactionMessageAttempts: 3, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  const cp1 = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await cp1.call('b', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const start = await cp1.call('s', 'StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: new Date().toISOString() });
  const transactionId = (start as [number, string, { transactionId: number }])[2].transactionId;
  await cp1.call('e', 'StopTransaction', { transactionId, meterStop: 2100, timestamp: new Date().toISOString() });
  await eventually(() => [...cloud.sessions.values()].some((s) => s.meterStop === 2100), 'the Stop at the cloud', 15_000);
  t.equal(cloud.calls.filter((c) => c.action === 'StartTransaction').length, 1, 'the Start sent once: its answer was taken');
  t.equal(cloud.calls.filter((c) => c.action === 'StopTransaction').length, 1, 'the Stop sent once');
  t.equal(gw.app.upstream!.deadLetters().length, 0, 'nothing in the dead letters');
  const told = log.entries().filter((e) => /deviation in the cloud's answer/.test(String(e.msg)));
  t.same(told.map((e) => [e.kind, e.action]).sort(), [['enum-mapped', 'StartTransaction.conf'], ['unknown-property', 'StartTransaction.conf']], 'each deviation logged once, by kind and answer');
});

t.test('an answer no safe repair makes valid is still not taken: retried, then a dead letter', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.deviate.set('StartTransaction', (a: { transactionId: number }) => ({ ...a, idTagInfo: { status: 'OK' } }));
  const gw = await startGateway(t, {
    patch: (c) => {
      c.authorization.mode = 'accept-all';
      c.upstream = { url: cloud.url, identity: SITE, answerTimeout: 0.5, callTimeout: 2, transactionMessageRetryInterval: 0, transactionMessageAttempts: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  const cp1 = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await cp1.call('b', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  await cp1.call('s', 'StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: new Date().toISOString() });
  await eventually(() => gw.app.upstream!.deadLetters().length === 1, 'the Start in the dead letters', 15_000);
  t.equal(cloud.calls.filter((c) => c.action === 'StartTransaction').length, 2, 'sent transactionMessageAttempts times');
  t.match(gw.app.upstream!.deadLetters()[0], { action: 'StartTransaction', error: /status/ });
});
