import t, { type Test } from 'tap';
import { WebSocket } from 'ws';
import { silentLogger } from '../../src/log.js';
import { connectOcpp, HandshakeError } from '../../src/ocpp/client.js';
import { capturingLogger, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { rawCharger, refusedUpgrade, type RawOptions } from '../helpers/raw.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

/** The refusal as a user sees it, and that nothing was left connected. */
async function refusal(t: Test, gw: RunningGateway, identity: string, options: RawOptions, url = gw.url) {
  const r = await refusedUpgrade(url, identity, options);
  t.equal(gw.app.gateway.server.connections.size, 0, 'no connection is left');
  t.notOk(gw.app.gateway.registry.list().some((c) => c.online), 'no charger online');
  return { status: r.status, body: r.body.trim(), authenticate: r.headers['www-authenticate'] };
}

t.test('refused at the upgrade, with an HTTP status and a reason', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger });
  t.same(await refusal(t, gw, 'CP9', { password: 'whatever' }), { status: 401, body: 'authentication failed', authenticate: 'Basic realm="chargegate"' }, 'unknown charger');
  t.same(await refusal(t, gw, 'CP1', { password: 'cp1-wrong' }), { status: 401, body: 'authentication failed', authenticate: 'Basic realm="chargegate"' }, 'wrong password');
  t.same(await refusal(t, gw, 'CP1', { password: PASSWORDS.CP2 }), { status: 401, body: 'authentication failed', authenticate: 'Basic realm="chargegate"' }, "another charger's password");
  t.same(await refusal(t, gw, 'CP1', {}), { status: 401, body: 'authentication failed', authenticate: 'Basic realm="chargegate"' }, 'no password');
  t.same(await refusal(t, gw, 'CP1', { headers: { Authorization: 'Bearer ' + PASSWORDS.CP1 } }), { status: 401, body: 'authentication failed', authenticate: 'Basic realm="chargegate"' }, 'not Basic auth');
  // The charger learns nothing about which ids exist; the installer's log says why.
  const reasons = log.entries().filter((e) => e.msg === 'authentication failed').map((e) => `${e.chargerId}: ${e.refusal}: ${e.reason} (credentials ${e.credentials})`);
  t.same(reasons, [
    'CP9: unknown-id: unknown charger (not in chargers.list) (credentials Basic)',
    'CP1: wrong-password: wrong password (credentials Basic)',
    'CP1: wrong-password: wrong password (credentials Basic)',
    'CP1: missing-password: password required (HTTP Basic auth) (credentials absent)',
    'CP1: missing-password: password required (HTTP Basic auth) (credentials not Basic credentials for CP1)',
  ], 'one line per refusal, its kind explicit');
  t.notMatch(JSON.stringify(log.entries()), new RegExp(PASSWORDS.CP1), 'no password in the log');
  const noProtocol = 'no supported OCPP subprotocol offered in Sec-WebSocket-Protocol (supported: ocpp2.0.1, ocpp1.6)';
  t.same(await refusal(t, gw, 'CP1', { password: PASSWORDS.CP1, protocols: ['ocpp2.1'] }), { status: 400, body: noProtocol, authenticate: undefined }, 'only ocpp2.1 (not supported)');
  t.same(await refusal(t, gw, 'CP1', { password: PASSWORDS.CP1, protocols: ['ocpp1.5'] }), { status: 400, body: noProtocol, authenticate: undefined }, 'only ocpp1.5');
  const badPath = { status: 404, body: 'path must be /ocpp/<chargerId>', authenticate: undefined };
  t.same(await refusal(t, gw, 'CP1', { password: PASSWORDS.CP1 }, gw.url.replace('/ocpp', '/other')), badPath, 'another base path');
  t.same(await refusal(t, gw, 'CP1', { password: PASSWORDS.CP1, segment: 'CP1/extra' }), badPath, 'an extra segment');
  t.same(await refusal(t, gw, '', { segment: '' }), badPath, 'no identity');
  t.same(await refusal(t, gw, 'CP 1', { password: 'x', segment: 'CP%201' }), { status: 400, body: 'charger id may contain only letters, digits and * - _ = : + | @ .', authenticate: undefined }, 'CP%201: a space is not allowed');
  t.same(await refusal(t, gw, 'x', { segment: '%ZZ' }), { status: 400, body: 'charger id is not valid percent-encoding', authenticate: undefined }, 'broken percent-encoding');
  t.same(await refusal(t, gw, 'x', { segment: 'x'.repeat(49) }), { status: 400, body: 'charger id must be 1 to 48 characters', authenticate: undefined }, 'too long');
  // Each refusal's kind in the installer's log (issue 14 point 7), in order; five lines a minute
  // per address at most (the failed logins above have a budget of their own).
  t.same(log.entries().filter((e) => e.msg === 'connection refused').map((e) => e.refusal), ['bad-subprotocol', 'bad-subprotocol', 'bad-path', 'bad-path', 'bad-path']);
  t.match(log.entries().find((e) => e.refusal === 'bad-subprotocol'), { chargerId: 'CP1', offered: 'ocpp2.1' }, 'says what was offered');
});

t.test('an identity that is not a valid charger id is logged as bad-id', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger });
  await refusal(t, gw, 'CP 1', { password: 'x', segment: 'CP%201' });
  t.match(log.entries().filter((e) => e.msg === 'connection refused'), [{ refusal: 'bad-id', status: 400, reason: /charger id may contain only/ }]);
});

t.test('ocpp.requireSubprotocol: no Sec-WebSocket-Protocol is refused (400), the log says so; by default it is taken as 1.6', async (t) => {
  const log = capturingLogger();
  const strict = await startGateway(t, { logger: log.logger, patch: (c) => (c.ocpp.requireSubprotocol = true) });
  const noProtocol = 'no supported OCPP subprotocol offered in Sec-WebSocket-Protocol (supported: ocpp2.0.1, ocpp1.6)';
  t.same(await refusal(t, strict, 'CP1', { password: PASSWORDS.CP1, protocols: [] }), { status: 400, body: noProtocol, authenticate: undefined });
  t.match(log.entries().filter((e) => e.msg === 'connection refused'), [{ refusal: 'no-subprotocol', chargerId: 'CP1' }]);
  const lenient = await startGateway(t);
  const cp = await rawCharger(t, lenient.url, 'CP1', { password: PASSWORDS.CP1, protocols: [] });
  t.equal(cp.ws.protocol, '');
  t.match(await cp.call('b1', 'BootNotification', bootPayload), [3, 'b1', { status: 'Accepted' }]);
});

t.test('a plain HTTP request is told to upgrade', async (t) => {
  const gw = await startGateway(t);
  const res = await fetch(gw.url.replace('ws:', 'http:') + '/CP1');
  t.equal(res.status, 426);
  t.equal(res.headers.get('upgrade'), 'websocket');
  t.match(await res.text(), /connect with a WebSocket to \/ocpp\/<chargerId>/);
});

t.test('an identity sent percent-encoded is decoded: %43P1 is CP1', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { segment: '%43P1', password: PASSWORDS.CP1 });
  t.equal(cp.ws.protocol, 'ocpp1.6');
  t.match(await cp.call('b1', 'BootNotification', bootPayload), [3, 'b1', { status: 'Accepted', interval: 300 }]);
  t.ok(gw.app.gateway.server.connections.has('CP1'));
  t.equal(gw.app.store.chargers.get('CP1')?.vendor, 'TestVendor');
});

t.test('the server chooses by its own preference among what the charger offers (the newest: 2.0.1)', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1, protocols: ['ocpp1.6', 'ocpp2.0.1'] });
  t.equal(cp.ws.protocol, 'ocpp2.0.1');
  t.equal(gw.app.gateway.registry.get('CP1')?.protocol, 'ocpp2.0.1');
});

t.test('a charger offering OCPP1.6 in upper case gets its own spelling back', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1, protocols: ['OCPP1.6'] });
  t.equal(cp.ws.protocol, 'OCPP1.6', 'the handshake completes');
  t.equal(gw.app.gateway.registry.get('CP1')?.protocol, 'ocpp1.6', 'and it is spoken as 1.6');
  t.same((await cp.call('h1', 'Heartbeat', {})).slice(0, 2), [3, 'h1']);
});

t.test('allowUnknown lets an unknown identity in without a password; listed ones still need theirs', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.chargers.allowUnknown = true) });
  const stranger = await rpcCharger(t, gw.url, 'GUEST-7');
  t.equal((await stranger.call('BootNotification', bootPayload)).status, 'Accepted');
  t.equal(gw.app.gateway.registry.get('GUEST-7')?.online, true);
  const r = await refusedUpgrade(gw.url, 'CP1', {});
  t.same([r.status, r.body.trim()], [401, 'authentication failed']);
});

t.test('AuthorizationKey: hex configured, raw bytes sent; raw configured, hex sent', async (t) => {
  const key = Buffer.from('00ff10e0a1b2c3d4e5f60718293a4b5c', 'hex'); // 16 bytes, not valid UTF-8
  const rawText = 'AuthKey-0123456789'; // 18 bytes configured as is
  const gw = await startGateway(t, {
    patch: (c) => c.chargers.list.push({ id: 'HEXCP', password: key.toString('hex') }, { id: 'RAWCP', password: rawText }),
  });
  const hexCharger = await rpcCharger(t, gw.url, 'HEXCP', key);
  t.equal((await hexCharger.call('BootNotification', bootPayload)).status, 'Accepted', 'raw bytes match the hex key');
  const rawCharger2 = await rpcCharger(t, gw.url, 'RAWCP', Buffer.from(rawText).toString('hex'));
  t.equal((await rawCharger2.call('BootNotification', bootPayload)).status, 'Accepted', 'hex text matches the raw key');
  const wrong = Buffer.from(key);
  wrong[0] = 0x01;
  t.equal((await refusedUpgrade(gw.url, 'HEXCP', { password: wrong })).status, 401, 'a different key is refused');
  t.same([...gw.app.gateway.server.connections.keys()].sort(), ['HEXCP', 'RAWCP']);
});

t.test('a refused ws client sees the HTTP status too', async (t) => {
  const gw = await startGateway(t);
  const ws = new WebSocket(`${gw.url}/CP1`, ['ocpp1.6']);
  const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
  t.match(err.message, /Unexpected server response: 401/);
});

t.test('connectOcpp (our client): refusals come back as HandshakeError with status and reason', async (t) => {
  const gw = await startGateway(t);
  const base = { url: gw.url, protocols: ['ocpp1.6'] as const, handler: () => ({}), logger: silentLogger(), callTimeoutMs: 2000 };
  const refused = await connectOcpp({ ...base, identity: 'CP1', password: 'nope' }).catch((e: unknown) => e);
  t.ok(refused instanceof HandshakeError);
  t.match(refused, { status: 401, body: 'authentication failed\n' });
  const conn = await connectOcpp({ ...base, identity: 'CP1', password: Buffer.from(PASSWORDS.CP1) });
  t.equal(conn.protocol, 'ocpp1.6');
  t.match(await conn.session.call('BootNotification', bootPayload), { status: 'Accepted', interval: 300 });
  await gw.stop();
  t.same(await conn.closed, { code: 1001, reason: 'chargegate is shutting down' }, 'told why when the gateway stops');
  t.equal(conn.session.isOpen, false);
});
