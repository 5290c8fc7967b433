/**
 * A cloud that answers the gateway's BootNotification with Pending or Rejected (OCPP 1.6
 * §4.2.1): until it accepts, the gateway sends it nothing but the boot again after the
 * interval, while the site keeps charging and every transaction message waits on disk.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';

for (const status of ['Pending', 'Rejected'] as const) {
  t.test(`a ${status} boot: nothing but the boot until the cloud accepts, then everything, in order`, async (t) => {
    const cloud = await startCloud();
    t.teardown(() => cloud.close());
    cloud.boot = { status, interval: 1 };
    const gw = await startGateway(t, {
      patch: (c) => {
        c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', answerTimeout: 1, callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
      },
    });
    await cloud.waitFor((c) => c.action === 'BootNotification', 'the first boot');

    // The site charges meanwhile: the charger is answered by chargegate itself.
    const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
    await cp.call('BootNotification', bootPayload);
    const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: '2025-06-01T10:00:00.000Z' });
    t.equal(start.idTagInfo.status, 'Accepted', 'answered from the local list');
    await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: 2100, timestamp: '2025-06-01T10:30:00.000Z' });

    // The boot is repeated after the interval; nothing else goes up while it is not accepted.
    await eventually(() => cloud.calls.filter((c) => c.action === 'BootNotification').length >= 2, 'a second boot after the interval', 8000);
    t.same([...new Set(cloud.calls.map((c) => c.action))], ['BootNotification'], `only BootNotification while ${status}`);
    t.equal(gw.app.upstream!.online(), false, 'the link does not count as online');
    t.ok(gw.app.upstream!.outboxDepth() >= 2, 'Start and Stop wait in the outbox');

    cloud.boot = { status: 'Accepted', interval: 300 };
    await eventually(() => [...cloud.sessions.values()].some((s) => s.meterStop === 2100), 'the session delivered once the boot is accepted', 8000);
    const session = [...cloud.sessions.values()][0]!;
    t.match(session, { idTag: 'TAG1', meterStart: 100, meterStop: 2100 });
    const order = cloud.calls.map((c) => c.action).filter((a) => a === 'StartTransaction' || a === 'StopTransaction');
    t.same(order, ['StartTransaction', 'StopTransaction'], 'once each, in order');
    t.same(cloud.validationFailures, [], 'everything sent passed ocpp-rpc strict validation');
  });
}

for (const status of ['Pending', 'Rejected'] as const) {
  t.test(`transparent: the cloud's ${status} for a charger's channel is the charger's boot answer, until the cloud accepts`, async (t) => {
    const cloud = await startCloud();
    t.teardown(() => cloud.close());
    cloud.boot = { status, interval: 1 };
    const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
      patch: (c) => {
        c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 1, callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
      },
    });
    await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the channel\'s first boot');
    const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
    let triggered = 0;
    cp.handle('TriggerMessage', ({ params }) => {
      if (params.requestedMessage === 'BootNotification') triggered++;
      return { status: 'Accepted' };
    });
    const answer = await cp.call('BootNotification', bootPayload);
    t.match(answer, { status, interval: 1 }, 'the cloud\'s answer and interval, passed down');
    await eventually(() => cloud.calls.some((c) => c.identity === 'CP1' && c.action === 'BootNotification' && c.params.chargePointVendor === 'TestVendor'), 'the channel\'s next boot to carry the charger\'s identity', 8000);

    cloud.boot = { status: 'Accepted', interval: 300 };
    await eventually(() => triggered > 0, 'the charger to be asked to boot once the cloud accepts', 8000);
    t.match(await cp.call('BootNotification', bootPayload), { status: 'Accepted' }, 'then accepted');
    t.same(cloud.validationFailures, []);
  });
}
