/**
 * Token guessing over the real HTTP API (docs/security.md, http.maxAuthFailures): wrong bearer
 * tokens and wrong logins from one address use up its tries, then every token it presents is
 * answered 429 with Retry-After, the right one too, while other addresses go on as before.
 */
import { request } from 'node:http';
import t from 'tap';
import { startGateway } from '../helpers/gateway.js';
import { TOKENS } from '../helpers/http.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** One request from a chosen loopback address (127.0.0.0/8 is all this machine's). */
function ask(base: string, path: string, from: string, options: { token?: string; body?: unknown } = {}): Promise<Reply> {
  const url = new URL(path, base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: body === undefined ? 'GET' : 'POST',
        localAddress: from,
        headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test('wrong tokens from one address: 401 until its tries are used, then 429 for any token it presents', async (t) => {
  let clock = Date.parse('2026-12-03T10:00:00Z');
  const gw = await startGateway(t, {
    now: () => new Date(clock),
    patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read, maxAuthFailures: 3 }),
  });
  const guesser = '127.0.0.2';
  for (let i = 0; i < 3; i++) t.equal((await ask(gw.httpUrl, '/api/chargers', guesser, { token: `guess-${i}` })).status, 401, `wrong token ${i + 1}: 401`);
  const blocked = await ask(gw.httpUrl, '/api/chargers', guesser, { token: 'guess-3' });
  t.equal(blocked.status, 429);
  t.equal(blocked.json.error.code, 'too_many_auth_failures');
  t.equal(blocked.headers['retry-after'], '20', 'one try a third of a minute later (3 a minute)');
  const right = await ask(gw.httpUrl, '/api/chargers', guesser, { token: TOKENS.full });
  t.equal(right.status, 429, 'the right token is refused too: a 200 would tell the guesser which guess was right');
  t.equal((await ask(gw.httpUrl, '/api/whoami', guesser, { token: TOKENS.full })).status, 429, '/api/whoami is no way around it');
  t.equal((await ask(gw.httpUrl, '/api/chargers', guesser)).status, 401, 'no token is no guess: 401 as always');

  t.equal((await ask(gw.httpUrl, '/api/chargers', '127.0.0.3', { token: TOKENS.read })).status, 200, 'another address is not affected');

  clock += 20_000;
  t.equal((await ask(gw.httpUrl, '/api/chargers', guesser, { token: TOKENS.full })).status, 200, 'after Retry-After the right token works again');
});

t.test('wrong logins count too, and a refused login sets no cookie', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, maxAuthFailures: 2 }) });
  const from = '127.0.0.4';
  for (let i = 0; i < 2; i++) t.equal((await ask(gw.httpUrl, '/api/login', from, { body: { token: `guess-${i}` } })).status, 401);
  const blocked = await ask(gw.httpUrl, '/api/login', from, { body: { token: TOKENS.full } });
  t.equal(blocked.status, 429, 'the right token, after the tries are used');
  t.equal(blocked.headers['set-cookie'], undefined, 'no login cookie');
  t.equal((await ask(gw.httpUrl, '/api/chargers', from, { token: TOKENS.full })).status, 429, 'the bearer header shares the tries');
  const elsewhere = await ask(gw.httpUrl, '/api/login', '127.0.0.5', { body: { token: TOKENS.full } });
  t.equal(elsewhere.status, 200);
  t.match(String(elsewhere.headers['set-cookie']), /chargegate_login=/);
});
