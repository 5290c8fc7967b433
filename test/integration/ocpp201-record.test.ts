/**
 * What chargegate keeps about a 2.0.1 charger (issue 16): the OCPP version it speaks, shown by
 * the API and MQTT while it is offline and after a restart; and how a session it started
 * without an idToken (or with a typed one) appears in the sessions API. Strict ocpp-rpc peers.
 */
import t from 'tap';
import { api, TOKENS } from '../helpers/http.js';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201 } from '../helpers/rpc-charger.js';

const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const started = (transactionId: string, evse: number, at: string, idToken?: { idToken: string; type: string }) => ({
  eventType: 'Started',
  timestamp: at,
  triggerReason: idToken ? 'Authorized' : 'CablePluggedIn',
  seqNo: 0,
  transactionInfo: { transactionId, chargingState: 'EVConnected' },
  evse: { id: evse, connectorId: 1 },
  ...(idToken ? { idToken } : {}),
});

t.test('a charger\'s OCPP version is kept: the API and MQTT name it while it is offline and after a restart', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir });
  const cp1 = await rpcCharger201(t, first.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', boot201);
  const cp2 = await rpcCharger(t, first.url, 'CP2', PASSWORDS.CP2);
  await cp2.call('BootNotification', bootPayload);
  await cp1.close({ force: true });
  await cp2.close({ force: true });
  await first.stop();

  const viewer = { username: 'viewer', password: 'viewer-secret-pw' };
  const second = await startGateway(t, {
    dir,
    patch: (c) => {
      c.http = HTTP;
      c.mqtt = { port: 0, throttle: 0, users: [{ ...viewer, access: 'read' }] };
    },
  });
  const one = (await api(second.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(one, { online: false, ocpp: '2.0.1', protocol: 'ocpp2.0.1', vendor: 'EVBox' }, 'the 2.0.1 charger, offline, after a restart');
  const two = (await api(second.httpUrl, '/api/chargers/CP2', { token: TOKENS.read })).json;
  t.match(two, { online: false, ocpp: '1.6', protocol: 'ocpp1.6' }, 'the 1.6 charger too');
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${second.app.mqtt!.ports!.mqtt}`, viewer);
  await mqtt.subscribe('chargegate/chargers/CP1/info');
  const info = await mqtt.waitFor('chargegate/chargers/CP1/info');
  t.match(JSON.parse(info.payload), { vendor: 'EVBox', ocpp: '2.0.1' }, 'the retained info topic names the version');
  t.match(second.app.store.chargers.get('CP1'), { protocol: 'ocpp2.0.1', vendor: 'EVBox' }, 'kept with its boot info');
});

t.test('a session started without an idToken: idTag "", marked started without authorization; a typed idToken shows its type', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  t.same(await cp.call('TransactionEvent', started('plugged-1', 1, '2025-06-01T10:00:00.000Z')), {}, 'no idToken, no idTokenInfo');
  t.same(await cp.call('TransactionEvent', started('emaid-2', 2, '2025-06-01T10:01:00.000Z', { idToken: 'TAG1', type: 'eMAID' })), { idTokenInfo: { status: 'Accepted' } });
  t.same(await cp.call('TransactionEvent', started('free-3', 3, '2025-06-01T10:02:00.000Z', { idToken: '', type: 'NoAuthorization' })), { idTokenInfo: { status: 'Accepted' } }, 'NoAuthorization: the charger decided, not refused as an unknown tag');
  const { sessions } = (await api(gw.httpUrl, '/api/sessions', { token: TOKENS.read })).json;
  t.match(sessions, [
    { reference: 'plugged-1', idTag: '', idTokenType: 'NoAuthorization', authStatus: 'NoAuthorization' },
    { reference: 'emaid-2', idTag: 'TAG1', idTokenType: 'eMAID', authStatus: 'Accepted' },
    { reference: 'free-3', idTag: '', idTokenType: 'NoAuthorization', authStatus: 'NoAuthorization' },
  ]);
});
