/**
 * The remembered login over real HTTP (docs/security.md): POST /api/login sets a cookie with the
 * flags a long-lived login needs, the API and the live feed take it instead of the bearer
 * header, a command it signs needs X-Requested-With, it survives a restart, and it dies on
 * logout and when the token is changed.
 */
import t from 'tap';
import { startGateway } from '../../helpers/gateway.js';
import { TOKENS } from '../../helpers/http.js';

const withTokens = (token: string) => (c: Record<string, any>) => void (c.http = { port: 0, host: '127.0.0.1', token, readToken: TOKENS.read });

async function signIn(base: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });
}

/** name=value of a Set-Cookie header. */
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

t.test('login: the cookie\'s flags, a wrong token gets none, the cookie reads, commands with the header, and the live feed', async (t) => {
  const gw = await startGateway(t, { patch: withTokens(TOKENS.full) });
  const wrong = await signIn(gw.httpUrl, 'not-the-token-at-all');
  t.equal(wrong.status, 401, 'a wrong token: 401');
  t.equal(wrong.headers.get('set-cookie'), null, 'and no cookie');

  const ok = await signIn(gw.httpUrl, TOKENS.full);
  t.same(await ok.json(), { role: 'command', remembered: true });
  const setCookie = ok.headers.get('set-cookie')!;
  t.match(setCookie, /^chargegate_login=[A-Za-z0-9_-]{43}; /, 'a random secret');
  t.notMatch(setCookie, TOKENS.full, 'not the token');
  for (const flag of ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${365 * 86_400}`]) t.ok(setCookie.split('; ').includes(flag), flag);
  t.notMatch(setCookie, /Secure/, 'plain HTTP: not Secure (the browser would never send it back)');
  const tls = await signIn(gw.httpUrl, TOKENS.full, { 'x-forwarded-proto': 'https' });
  t.ok(tls.headers.get('set-cookie')!.split('; ').includes('Secure'), 'behind a TLS proxy: Secure');

  const cookie = cookieOf(ok);
  t.equal((await fetch(`${gw.httpUrl}/api/chargers`, { headers: { cookie } })).status, 200, 'the cookie reads the API');
  t.match(await (await fetch(`${gw.httpUrl}/api/whoami`, { headers: { cookie } })).json(), { role: 'command', remembered: true });
  const live = await fetch(`${gw.httpUrl}/api/events`, { headers: { cookie } });
  t.equal(live.status, 200, 'and the live feed');
  t.match(live.headers.get('content-type'), /text\/event-stream/);
  await live.body?.cancel();

  const cap = (headers: Record<string, string>) => fetch(`${gw.httpUrl}/api/chargers/CP1/max-current`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ amps: 10 }) });
  const bare = await cap({});
  t.equal(bare.status, 403, 'a command on the cookie without X-Requested-With');
  t.match(await bare.json(), { error: { code: 'csrf_header_missing' } });
  t.equal((await cap({ 'x-requested-with': 'chargegate' })).status, 200, 'with it: carried out');

  const wrongBearer = await fetch(`${gw.httpUrl}/api/chargers`, { headers: { cookie, authorization: 'Bearer wrong-token-0123456789' } });
  t.equal(wrongBearer.status, 401, 'a bearer header decides alone, even beside a good cookie');

  const read = await signIn(gw.httpUrl, TOKENS.read);
  t.same(await read.json(), { role: 'read', remembered: true }, 'the read token signs in to read');
  const readCap = await fetch(`${gw.httpUrl}/api/chargers/CP1/max-current`, { method: 'POST', headers: { cookie: cookieOf(read), 'content-type': 'application/json', 'x-requested-with': 'x' }, body: '{"amps":10}' });
  t.equal(readCap.status, 403, 'and cannot command');
});

t.test('logout forgets the login; a restart keeps it; a changed token ends every login', async (t) => {
  const first = await startGateway(t, { patch: withTokens(TOKENS.full) });
  const kept = cookieOf(await signIn(first.httpUrl, TOKENS.full));
  const leaving = cookieOf(await signIn(first.httpUrl, TOKENS.full));

  const out = await fetch(`${first.httpUrl}/api/logout`, { method: 'POST', headers: { cookie: leaving, 'content-type': 'application/json', 'x-requested-with': 'chargegate' } });
  t.equal(out.status, 200);
  t.match(out.headers.get('set-cookie'), /^chargegate_login=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/, 'the cookie is cleared');
  t.equal((await fetch(`${first.httpUrl}/api/chargers`, { headers: { cookie: leaving } })).status, 401, 'a logged-out cookie opens nothing, even if the browser kept it');
  t.equal((await fetch(`${first.httpUrl}/api/chargers`, { headers: { cookie: kept } })).status, 200, 'the other login still works');
  await first.stop();

  const again = await startGateway(t, { dir: first.dir, patch: withTokens(TOKENS.full) });
  t.equal((await fetch(`${again.httpUrl}/api/chargers`, { headers: { cookie: kept } })).status, 200, 'after a restart: still signed in');
  await again.stop();

  const changed = await startGateway(t, { dir: first.dir, patch: withTokens('a-new-full-token-0123456789') });
  t.equal((await fetch(`${changed.httpUrl}/api/chargers`, { headers: { cookie: kept } })).status, 401, 'the token changed: the login is gone');
});
