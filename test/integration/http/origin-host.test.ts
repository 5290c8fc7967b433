/**
 * Issue 13: a web page on another origin must not command the gateway (Origin check), and a
 * page whose name an attacker re-points at this machine must get nothing at all (Host check,
 * DNS rebinding), token or not. The dashboard's own requests and non-browser clients pass.
 */
import { hostname } from 'node:os';
import t from 'tap';
import { PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { TOKENS } from '../../helpers/http.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';
import { rawRequest, slowClient } from './raw-http.js';

const JSON_TYPE = { 'content-type': 'application/json' };

t.test('commands from another web origin are refused with 403; the own origin and allowed ones pass', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0, allowedOrigins: ['https://ev.example.com'] }) });
  const port = new URL(gw.httpUrl).port;
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  let resets = 0;
  cp.handle('Reset', () => {
    resets++;
    return { status: 'Accepted' };
  });
  const reset = (origin: string, host?: string) => rawRequest(gw.httpUrl, '/api/chargers/CP1/reset', { method: 'POST', headers: { ...JSON_TYPE, origin, ...(host ? { host } : {}) }, body: '{}' });

  for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', `http://localhost:${Number(port) + 1}`, `http://127.0.0.1:${Number(port) + 1}`, 'https://ev.example.com.evil.example', 'file://']) {
    const answer = await reset(origin);
    t.equal(answer.status, 403, `Origin: ${origin}`);
    t.equal(answer.json?.error?.code, 'origin_not_allowed', origin);
  }
  t.match((await reset('http://evil.example')).json.error.message, /"http:\/\/evil\.example" are refused.*http\.allowedOrigins/);
  t.equal(resets, 0, 'none reached the charger');

  t.equal((await reset(`http://127.0.0.1:${port}`)).status, 200, 'the dashboard\'s own origin');
  t.equal((await reset(`http://localhost:${port}`, `localhost:${port}`)).status, 200, 'its own origin by the name localhost');
  t.equal((await reset('https://ev.example.com')).status, 200, 'an origin in http.allowedOrigins (a reverse proxy that rewrites Host)');
  t.equal((await reset('HTTPS://EV.example.com:443')).status, 200, 'compared as origins, not as text');
  t.equal(resets, 4);

  const read = await rawRequest(gw.httpUrl, '/api/chargers', { headers: { origin: 'http://evil.example' } });
  t.equal(read.status, 200, 'a cross-origin read is answered…');
  t.equal(read.headers['access-control-allow-origin'], undefined, '…without CORS, so the browser hides it from the page');
});

t.test('a Host that is not one of the API\'s names is refused with 403 (DNS rebinding), token or not', async (t) => {
  for (const token of [false, true]) {
    await t.test(token ? 'with a token' : 'loopback without a token', async (t) => {
      const gw = await startGateway(t, {
        patch: (c) => (c.http = { port: 0, host: '127.0.0.1', allowedHosts: ['Chargegate.lan'], ...(token ? { token: TOKENS.full } : {}) }),
      });
      const port = new URL(gw.httpUrl).port;
      const headers: Record<string, string> = token ? { authorization: `Bearer ${TOKENS.full}` } : {};
      const get = (path: string, host: string) => rawRequest(gw.httpUrl, path, { headers: { ...headers, host } });

      for (const path of ['/', '/index.html', '/api/chargers', '/api/events', '/api/whoami', '/metrics', '/api/openapi.json', '/nothing']) {
        const answer = await get(path, `rebind.evil.example:${port}`);
        t.equal(answer.status, 403, `GET ${path} as rebind.evil.example`);
        t.equal(answer.json?.error?.code, 'host_not_allowed', path);
      }
      const post = await rawRequest(gw.httpUrl, '/api/site/limit', { method: 'POST', headers: { ...headers, ...JSON_TYPE, host: `rebind.evil.example:${port}`, origin: `http://rebind.evil.example:${port}` }, body: '{"amps":null}' });
      t.equal(post.status, 403, 'a command from the rebound page (same origin as far as the browser knows)');
      t.equal(post.json?.error?.code, 'host_not_allowed');
      t.match((await get('/api/chargers', 'evil.example')).json.error.message, /not served as "evil\.example".*http\.allowedHosts/);
      for (const host of ['localhost.evil.example', '127.0.0.1.nip.io', `${hostname()}.evil.example`]) t.equal((await get('/api/chargers', host)).status, 403, host);

      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST.:${port}`, `[::1]:${port}`, `192.168.1.20:${port}`, '10.0.0.1', `${hostname()}:${port}`, `chargegate.lan:${port}`, 'CHARGEGATE.LAN']) {
        t.equal((await get('/api/chargers', host)).status, 200, `Host: ${host}`);
      }
      t.equal((await get('/', `chargegate.lan:${port}`)).status, 200, 'the dashboard by an allowed name');

      // HTTP/1.0 may omit Host: no name at all is not one of ours either.
      const bare = await slowClient(Number(port), `GET /api/chargers HTTP/1.0\r\n${token ? `Authorization: Bearer ${TOKENS.full}\r\n` : ''}\r\n`, '');
      await bare.closed;
      t.match(bare.received(), /^HTTP\/1\.1 403 .*"host_not_allowed"/s, 'no Host header');
    });
  }
});

t.test('http.allowedHosts: ["*"] turns the Host check off', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0, allowedHosts: ['*'] }) });
  t.equal((await rawRequest(gw.httpUrl, '/api/chargers', { headers: { host: 'anything.example' } })).status, 200);
});
