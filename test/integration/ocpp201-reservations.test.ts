/**
 * Reservations of OCPP 2.0.1 chargers (H01, H02, H05) against strict ocpp-rpc 2.0.1 peers on real
 * sockets: the local API's and the cloud's ReserveNow / CancelReservation reach the charger as
 * 2.0.1's, its answers come back, and a reservation the charger reports expired is over for the
 * cloud too (its CancelReservation is then refused without asking the charger, as after a start).
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201 } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const fast = { reconnect: { initialDelay: 0.05, maxDelay: 0.2 }, answerTimeout: 1, callTimeout: 2 };
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

t.test('the local API reserves a connector or the whole 2.0.1 charger, and cancels; the charger\'s answers come back', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  const got: { method: string; params: any }[] = [];
  const answers: Record<string, string> = { ReserveNow: 'Accepted', CancelReservation: 'Accepted' };
  for (const method of Object.keys(answers)) cp.handle(method, ({ params }) => (got.push({ method, params }), { status: answers[method] }));
  await cp.call('BootNotification', boot201);

  const expiryDate = inAnHour();
  const one = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/reserve', { body: { idTag: 'TAG1', parentIdTag: 'FAMILY', expiryDate, reservationId: 7 } });
  t.equal(one.status, 200, one.text);
  t.match(one.json, { action: 'ReserveNow', answer: { status: 'Accepted' }, answeredBy: 'charger', reservationId: 7 });
  t.same(got[0], { method: 'ReserveNow', params: { id: 7, expiryDateTime: expiryDate, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 1, groupIdToken: { idToken: 'FAMILY', type: 'Central' } } });

  // Connector 0, 1.6's "any connector": 2.0.1 leaves the EVSE out.
  answers.ReserveNow = 'Occupied';
  const any = await api(gw.httpUrl, '/api/chargers/CP1/connectors/0/reserve', { body: { idTag: 'TAG2', expiryDate } });
  t.match(any.json, { answer: { status: 'Occupied' }, reservationId: Number });
  t.same(got[1]!.params, { id: any.json.reservationId, expiryDateTime: expiryDate, idToken: { idToken: 'TAG2', type: 'ISO14443' } }, 'no evseId');
  for (const status of ['Faulted', 'Rejected', 'Unavailable']) {
    answers.ReserveNow = status;
    t.match((await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/reserve', { body: { idTag: 'TAG1', expiryDate } })).json, { answer: { status } });
  }

  const cancel = await api(gw.httpUrl, '/api/chargers/CP1/reservations/7', { method: 'DELETE' });
  t.match(cancel.json, { action: 'CancelReservation', answer: { status: 'Accepted' }, answeredBy: 'charger' });
  t.same(got.at(-1), { method: 'CancelReservation', params: { reservationId: 7 } });
  answers.CancelReservation = 'Rejected';
  t.match((await api(gw.httpUrl, '/api/chargers/CP1/reservations/8', { method: 'DELETE' })).json, { answer: { status: 'Rejected' } });
});

t.test('a cloud\'s reservation on a 2.0.1 charger: accepted, cancelled, and over for the cloud once the charger reports it expired', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const log = capturingLogger();
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => (c.upstream = { url: cloud.url, identity: SITE, ...fast, connectors: [{ charger: 'CP1', connector: 1, virtual: 1 }, { charger: 'CP2', connector: 1, virtual: 2 }] }),
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the link up');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  const cp2 = await rpcCharger201(t, gw.url, 'CP2', PASSWORDS.CP2);
  const got: { method: string; params: any }[] = [];
  for (const method of ['ReserveNow', 'CancelReservation']) cp2.handle(method, ({ params }) => (got.push({ method, params }), { status: 'Accepted' }));
  await cp2.call('BootNotification', boot201);
  await cp2.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  const site = cloud.clients.get(SITE)!;

  // The cloud's connector 2 is CP2's EVSE 1.
  const expiryDate = inAnHour();
  t.same(await site.call('ReserveNow', { connectorId: 2, expiryDate, idTag: 'TAG1', reservationId: 41 }), { status: 'Accepted' });
  t.same(got, [{ method: 'ReserveNow', params: { id: 41, expiryDateTime: expiryDate, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 1 } }]);
  got.length = 0;
  t.same(await site.call('CancelReservation', { reservationId: 41 }), { status: 'Accepted' });
  t.same(got, [{ method: 'CancelReservation', params: { reservationId: 41 } }], 'the charger that holds it');

  // Reserved again; this time the charger lets it expire (H05) and says so.
  t.same(await site.call('ReserveNow', { connectorId: 2, expiryDate, idTag: 'TAG1', reservationId: 42 }), { status: 'Accepted' });
  t.same(await cp2.call('ReservationStatusUpdate', { reservationId: 42, reservationUpdateStatus: 'Expired' }), {});
  t.ok(log.entries().some((e) => e.msg === 'reservation ended' && e.reservationId === 42 && e.how === 'Expired'), 'logged');
  got.length = 0;
  t.same(await site.call('CancelReservation', { reservationId: 42 }), { status: 'Rejected' }, 'no longer known');
  t.same(got, [], 'nothing sent to the charger');
  // Removed (by the charger itself) the same way; an id the charger never held changes nothing.
  t.same(await site.call('ReserveNow', { connectorId: 2, expiryDate, idTag: 'TAG1', reservationId: 43 }), { status: 'Accepted' });
  t.same(await cp2.call('ReservationStatusUpdate', { reservationId: 99, reservationUpdateStatus: 'Removed' }), {});
  t.same(await site.call('CancelReservation', { reservationId: 43 }), { status: 'Accepted' }, 'another reservation is untouched');
  t.same(cloud.validationFailures, []);
});
