/**
 * Aggregate mode (the site is one charge point): the cloud's Reset of the site resets every
 * charger, chargegate's own DataTransfer resets the charger of one connector, other
 * DataTransfers go where upstream.dataTransfer says (a charger, MQTT, refused; UnknownVendorId
 * by default, 1.6 §5.6), and a reservation made before a restart is cancelled on the right
 * charger after it. A strict ocpp-rpc cloud and strict chargers.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const fast = { reconnect: { initialDelay: 0.05, maxDelay: 0.2 }, answerTimeout: 1, callTimeout: 2 };
const VIEWER = { username: 'viewer', password: 'viewer-secret-1' };

async function charger(t: Parameters<typeof rpcCharger>[0], url: string, id: 'CP1' | 'CP2', got: { id: string; action: string; params: any }[], answers: Record<string, unknown>): Promise<RpcClient> {
  const cp = await rpcCharger(t, url, id, PASSWORDS[id]);
  for (const [action, answer] of Object.entries(answers)) cp.handle(action, ({ params }) => (got.push({ id, action, params }), answer));
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
  return cp;
}

t.test('Reset of the site and of one connector; DataTransfer by upstream.dataTransfer', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] };
      c.upstream = {
        url: cloud.url,
        identity: SITE,
        ...fast,
        connectors: [{ charger: 'CP1', connector: 1, virtual: 1 }, { charger: 'CP2', connector: 1, virtual: 2 }],
        dataTransfer: [
          { vendorId: 'com.vendor', messageId: 'Display', to: 'charger:CP2' },
          { vendorId: 'com.vendor', messageId: 'Tariff', to: 'mqtt' },
          { vendorId: 'com.other', to: 'reject' },
        ],
      };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the link up');
  const got: { id: string; action: string; params: any }[] = [];
  await charger(t, gw.url, 'CP1', got, { Reset: { status: 'Accepted' }, DataTransfer: { status: 'Accepted', data: 'cp1' } });
  await charger(t, gw.url, 'CP2', got, { Reset: { status: 'Accepted' }, DataTransfer: { status: 'Accepted', data: 'cp2 shows it' } });
  const site = cloud.clients.get(SITE)!;

  t.same(await site.call('Reset', { type: 'Soft' }), { status: 'Accepted' }, 'every charger accepted');
  t.same(got.filter((g) => g.action === 'Reset').map((g) => [g.id, g.params.type]).sort(), [['CP1', 'Soft'], ['CP2', 'Soft']], 'sent to every charger');

  got.length = 0;
  t.same(await site.call('DataTransfer', { vendorId: 'chargegate', messageId: 'Reset', data: JSON.stringify({ connectorId: 2, type: 'Hard' }) }), { status: 'Accepted', data: JSON.stringify({ chargerId: 'CP2', reset: 'Accepted' }) }, 'one connector: its charger resets');
  t.same(got.map((g) => [g.id, g.action, g.params]), [['CP2', 'Reset', { type: 'Hard' }]]);
  t.match(await site.call('DataTransfer', { vendorId: 'chargegate', messageId: 'Reset', data: 'nonsense' }), { status: 'Rejected' });

  got.length = 0;
  t.same(await site.call('DataTransfer', { vendorId: 'com.vendor', messageId: 'Display', data: 'hello' }), { status: 'Accepted', data: 'cp2 shows it' }, 'to the charger the rule names; its answer relayed');
  t.same(got.map((g) => [g.id, g.params]), [['CP2', { vendorId: 'com.vendor', messageId: 'Display', data: 'hello' }]]);
  const viewer = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await viewer.subscribe('chargegate/gateway/event/#');
  t.same(await site.call('DataTransfer', { vendorId: 'com.vendor', messageId: 'Tariff', data: '0.31' }), { status: 'Accepted' });
  const published = await viewer.waitFor('chargegate/gateway/event/data-transfer');
  t.match(JSON.parse(published.payload), { channel: SITE, vendorId: 'com.vendor', messageId: 'Tariff', data: '0.31' }, 'published on MQTT');
  t.match(await site.call('DataTransfer', { vendorId: 'com.vendor', messageId: 'Other' }), { status: 'UnknownMessageId' });
  t.match(await site.call('DataTransfer', { vendorId: 'com.other', messageId: 'X' }), { status: 'Rejected' });
  t.same(await site.call('DataTransfer', { vendorId: 'com.unknown' }), { status: 'UnknownVendorId' }, 'the spec\'s default');
  t.same(cloud.validationFailures, []);
});

t.test('a reservation made before a restart is cancelled on its charger after it', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const dir = t.testdir();
  const patch = (c: Record<string, any>) => {
    c.upstream = { url: cloud.url, identity: SITE, ...fast, connectors: [{ charger: 'CP1', connector: 1, virtual: 1 }, { charger: 'CP2', connector: 1, virtual: 2 }] };
  };
  const first = await startGateway(t, { dir, patch });
  await eventually(() => first.app.upstream?.online() === true, 'the link up');
  const got: { id: string; action: string; params: any }[] = [];
  const answers = { ReserveNow: { status: 'Accepted' }, CancelReservation: { status: 'Accepted' } };
  await charger(t, first.url, 'CP2', got, answers);
  const site = cloud.clients.get(SITE)!;
  t.same(await site.call('ReserveNow', { connectorId: 2, expiryDate: new Date(Date.now() + 3_600_000).toISOString(), idTag: 'TAG1', reservationId: 41 }), { status: 'Accepted' });
  await first.stop();

  const second = await startGateway(t, { dir, patch });
  await eventually(() => second.app.upstream?.online() === true && cloud.clients.get(SITE) !== site, 'the link up again');
  await charger(t, second.url, 'CP1', got, answers);
  const cp2 = await charger(t, second.url, 'CP2', got, answers);
  got.length = 0;
  t.same(await cloud.clients.get(SITE)!.call('CancelReservation', { reservationId: 41 }), { status: 'Accepted' });
  t.same(got.map((g) => [g.id, g.action, g.params]), [['CP2', 'CancelReservation', { reservationId: 41 }]], 'the charger that holds it');
  t.same(await cloud.clients.get(SITE)!.call('CancelReservation', { reservationId: 41 }), { status: 'Rejected' }, 'cancelled once: no longer known');

  // A reservation used by its transaction is over: a late CancelReservation is not sent on.
  const link = cloud.clients.get(SITE)!;
  t.same(await link.call('ReserveNow', { connectorId: 2, expiryDate: new Date(Date.now() + 3_600_000).toISOString(), idTag: 'TAG1', reservationId: 42 }), { status: 'Accepted' });
  await cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString(), reservationId: 42 });
  got.length = 0;
  t.same(await link.call('CancelReservation', { reservationId: 42 }), { status: 'Rejected' });
  t.same(got, [], 'nothing sent to the charger');
  t.same(cloud.validationFailures, []);
});
