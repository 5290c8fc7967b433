/**
 * A remote start to a connector the charger lacks, or to a busy one, is refused by chargegate
 * with the reason, whichever door it comes in by: HTTP, MQTT, the cloud (transparent mode, so
 * the cloud's connector numbers are the charger's). A Preparing connector still gets it.
 */
import t, { type Test } from 'tap';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

const TOKEN = 'full-token-0123456789abcdef';
const COMMANDER = { username: 'homeassistant', password: 'ha-secret-pw1' };
const CP1 = 'chargegate/chargers/CP1';

interface Site {
  gw: RunningGateway;
  cloud: TestCloud;
  cp: RpcClient;
  ha: TestClient;
  /** RemoteStartTransaction payloads the charger received. */
  received: unknown[];
}

async function site(t: Test): Promise<Site> {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      c.chargers.list[0].connectors = 1;
      c.http = { port: 0, host: '127.0.0.1', token: TOKEN };
      c.mqtt = { port: 0, throttle: 0, users: [{ ...COMMANDER, access: 'command' }] };
      c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const received: unknown[] = [];
  cp.handle('RemoteStartTransaction', ({ params }) => (received.push(params), { status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);
  await eventually(() => cloud.clients.has('CP1'), "CP1's link to the cloud");
  const ha = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, COMMANDER);
  await ha.subscribe('chargegate/+/+/+/+/+/result');
  return { gw, cloud, cp, ha, received };
}

async function httpStart(s: Site, connectorId: number): Promise<{ status: number; json: any }> {
  const res = await fetch(`${s.gw.httpUrl}/api/chargers/CP1/connectors/${connectorId}/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ idTag: 'TAG1' }),
  });
  return { status: res.status, json: await res.json() };
}

async function mqttStart(s: Site, connectorId: number, id: string): Promise<any> {
  const topic = `${CP1}/connectors/${connectorId}/start/result`;
  await s.ha.publish(`${CP1}/connectors/${connectorId}/start/set`, JSON.stringify({ idTag: 'TAG1', id }));
  return JSON.parse((await s.ha.waitFor(topic, (p) => JSON.parse(p).id === id)).payload);
}

const cloudStart = (s: Site, connectorId: number) => s.cloud.clients.get('CP1')!.call('RemoteStartTransaction', { connectorId, idTag: 'TAG1' });

t.test('connector 5 of a one-connector charger: refused by every door, nothing sent', async (t) => {
  const s = await site(t);
  await s.cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
  const http = await httpStart(s, 5);
  t.equal(http.status, 400);
  t.same(http.json.error, { code: 'no_such_connector', message: 'CP1 has no connector 5 (it has 1)' });
  t.match(await mqttStart(s, 5, 'm5'), { command: 'start', result: 'rejected', reason: 'CP1 has no connector 5 (it has 1)' });
  t.same(await cloudStart(s, 5), { status: 'Rejected' }, 'the cloud gets RemoteStartTransaction.conf Rejected');
  t.same(s.received, [], 'the charger was sent nothing');
});

t.test('a busy connector (a running session, Charging) is refused; a Preparing one still gets the start', async (t) => {
  const s = await site(t);
  await s.cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
  const { transactionId } = await s.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await s.cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });

  const reason = `CP1 connector 1 is busy (Charging, transaction ${transactionId})`;
  const http = await httpStart(s, 1);
  t.equal(http.status, 409);
  t.same(http.json.error, { code: 'connector_busy', message: reason });
  t.match(await mqttStart(s, 1, 'm1'), { result: 'rejected', reason });
  t.same(await cloudStart(s, 1), { status: 'Rejected' });
  t.same(s.received, [], 'nothing sent while it charges');

  // The session ends and the next car is plugged in: Preparing takes a remote start (1.6 §5.11).
  await s.cp.call('StopTransaction', { transactionId, meterStop: 100, timestamp: new Date().toISOString() });
  await s.cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
  t.same((await httpStart(s, 1)).json, { accepted: true, reason: 'charger answered Accepted to RemoteStartTransaction' });
  t.match(await mqttStart(s, 1, 'm2'), { result: 'accepted' });
  t.same(await cloudStart(s, 1), { status: 'Accepted' });
  t.equal(s.received.length, 3, 'each door reached the charger');
});

t.test('a session chargegate holds open while the charger says the connector is Preparing: its Stop was lost, the start goes through', async (t) => {
  const s = await site(t);
  await s.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  const http = await httpStart(s, 1);
  t.equal(http.status, 409, 'status unknown and a session running: busy');
  await s.cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
  t.same((await httpStart(s, 1)).json, { accepted: true, reason: 'charger answered Accepted to RemoteStartTransaction' }, 'the charger says otherwise');
});
