/**
 * Guessing passwords over the real listeners (docs/security.md "Guessing passwords and
 * tokens"): wrong charger passwords at the OCPP upgrade and wrong MQTT passwords at CONNECT use
 * up the tries of the client address (ocpp.maxAuthFailures, mqtt.maxAuthFailures a minute);
 * then that address is refused whatever it presents, the right password too, while other
 * addresses connect as before. (The HTTP API's tokens: http-auth-throttle.test.ts.)
 */
import { connect as connectTcp } from 'node:net';
import { MqttClient } from 'mqtt';
import t from 'tap';
import WebSocket from 'ws';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';

/** The HTTP status of an OCPP upgrade from a chosen loopback address (127.0.0.0/8 is all this machine's). */
function upgrade(url: string, id: string, password: string, from: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/${id}`, ['ocpp1.6'], { localAddress: from, headers: { authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` } });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on('unexpected-response', (_req, res) => {
      const retryAfter = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) });
      res.resume();
    });
    ws.on('error', reject);
  });
}

t.test('OCPP: wrong passwords from one address use its tries, then its upgrades get 429 with the right password too', async (t) => {
  let clock = Date.parse('2026-12-03T10:00:00Z');
  const gw = await startGateway(t, { now: () => new Date(clock), patch: (c) => (c.ocpp.maxAuthFailures = 3) });
  const guesser = '127.0.0.2';
  for (let i = 0; i < 3; i++) t.equal((await upgrade(gw.url, 'CP1', `guess-${i}-xxxxxxxx`, guesser)).status, 401, `wrong password ${i + 1}: 401`);
  t.same(await upgrade(gw.url, 'CP1', PASSWORDS.CP1, guesser), { status: 429, retryAfter: '20' }, 'the right password, after the tries are used: 429, one try back in 20 s');
  t.equal((await upgrade(gw.url, 'CP2', PASSWORDS.CP2, guesser)).status, 429, 'another charger id from the same address too');
  t.equal((await upgrade(gw.url, 'CP1', PASSWORDS.CP1, '127.0.0.3')).status, 101, 'a charger at another address connects');
  clock += 20_000;
  t.equal((await upgrade(gw.url, 'CP1', PASSWORDS.CP1, guesser)).status, 101, 'after Retry-After the right password connects');
});

/** The CONNACK return code of a CONNECT from a chosen loopback address (0: accepted). */
function mqttConnect(port: number, username: string, password: string, from: string): Promise<number> {
  return new Promise((resolve) => {
    const client = new MqttClient(() => connectTcp({ host: '127.0.0.1', port, localAddress: from }), { username, password, reconnectPeriod: 0, protocolVersion: 4 });
    client.on('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.on('error', (err: Error & { code?: number }) => {
      client.end(true);
      resolve(err.code ?? -1);
    });
  });
}

t.test('MQTT: wrong passwords from one address use its tries, then its CONNECTs are refused with the right password too', async (t) => {
  const user = { username: 'homeassistant', password: 'ha-secret-pw1' };
  const gw = await startGateway(t, { patch: (c) => (c.mqtt = { port: 0, throttle: 0, maxAuthFailures: 2, users: [{ ...user, access: 'read' }] }) });
  const port = gw.app.mqtt!.ports!.mqtt;
  const guesser = '127.0.0.4';
  for (let i = 0; i < 2; i++) t.equal(await mqttConnect(port, user.username, `guess-${i}`, guesser), 4, `wrong password ${i + 1}: bad user name or password`);
  t.equal(await mqttConnect(port, user.username, user.password, guesser), 5, 'the right password, after the tries are used: not authorized');
  t.equal(await mqttConnect(port, user.username, user.password, '127.0.0.5'), 0, 'a client at another address connects');
});
