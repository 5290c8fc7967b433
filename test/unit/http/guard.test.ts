/** The Host, Origin and Content-Type checks of src/http/guard.ts, case by case. */
import t from 'tap';
import { checkCookieCommand, checkHost, checkJsonBody, checkOrigin, isSafeMethod, parseHostHeader } from '../../../src/http/guard.js';

const options = { hostNames: ['localhost', '127.0.0.1', 'gw.lan'], allowedOrigins: ['https://ev.example.com'] };
const code = (run: () => void) => {
  try {
    run();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

t.test('parseHostHeader', async (t) => {
  t.same(parseHostHeader('127.0.0.1:8080'), { name: '127.0.0.1', port: '8080' });
  t.same(parseHostHeader('[::1]:8080'), { name: '::1', port: '8080' });
  t.same(parseHostHeader('[::1]'), { name: '::1' });
  t.same(parseHostHeader('GW.LAN.'), { name: 'gw.lan' });
  for (const bad of ['', 'a:b:c', 'gw.lan:', 'gw.lan:123456', '[::1', 'a b', 'user@gw.lan:80/x']) t.equal(parseHostHeader(bad), undefined, JSON.stringify(bad));
});

t.test('checkHost: IP literals and the names pass, anything else is host_not_allowed', async (t) => {
  for (const host of ['127.0.0.1:8080', '192.168.1.20', '[fe80::1]:80', '[::ffff:127.0.0.1]:8080', 'localhost:8080', 'gw.lan', 'GW.Lan.:8080']) t.equal(code(() => checkHost(host, options)), 'ok', host);
  for (const host of [undefined, '', 'evil.example', 'gw.lan.evil.example', 'localhost.evil.example:8080', '127.0.0.1.nip.io', '0x7f000001.example', 'gw.lan:8080:1', 'gw.lan@evil.example']) {
    t.equal(code(() => checkHost(host, options)), 'host_not_allowed', String(host));
  }
  t.equal(code(() => checkHost('evil.example', { ...options, hostNames: ['*'] })), 'ok', '* allows any');
});

t.test('checkOrigin: none, the own origin and the allowed ones pass', async (t) => {
  const ok: [string | undefined, string | undefined][] = [
    [undefined, 'evil.example'],
    ['http://127.0.0.1:8080', '127.0.0.1:8080'],
    ['http://gw.lan', 'gw.lan'],
    ['http://gw.lan', 'gw.lan:80'],
    ['https://gw.lan', 'gw.lan'],
    ['https://gw.lan:8443', 'gw.lan:8443'],
    ['http://[::1]:8080', '[::1]:8080'],
    ['https://ev.example.com', '127.0.0.1:8080'],
    ['https://ev.example.com:443', '127.0.0.1:8080'],
  ];
  for (const [origin, host] of ok) t.equal(code(() => checkOrigin(origin, host, options)), 'ok', `${origin} on ${host}`);
  const refused: [string, string | undefined][] = [
    ['http://evil.example', '127.0.0.1:8080'],
    ['http://127.0.0.1:8081', '127.0.0.1:8080'],
    ['http://localhost:8080', '127.0.0.1:8080'],
    ['http://gw.lan:8080', 'gw.lan'],
    ['null', '127.0.0.1:8080'],
    ['file://', '127.0.0.1:8080'],
    ['http://ev.example.com', '127.0.0.1:8080'],
    ['http://127.0.0.1:8080', undefined],
    ['chrome-extension://abc', '127.0.0.1:8080'],
  ];
  for (const [origin, host] of refused) t.equal(code(() => checkOrigin(origin, host, options)), 'origin_not_allowed', `${origin} on ${host}`);
});

t.test('checkJsonBody and isSafeMethod', async (t) => {
  for (const type of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON ;charset=UTF-8']) t.equal(code(() => checkJsonBody(type)), 'ok', type);
  for (const type of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq', 'application/ld+json']) {
    t.equal(code(() => checkJsonBody(type)), 'unsupported_media_type', String(type));
  }
  t.same(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'].map(isSafeMethod), [true, true, true, false, false, false, false]);
});

t.test('checkCookieCommand: a command the login cookie signs needs X-Requested-With', async (t) => {
  t.equal(code(() => checkCookieCommand('chargegate')), 'ok');
  for (const value of [undefined, '', '  ', ['a', 'b']]) t.equal(code(() => checkCookieCommand(value)), 'csrf_header_missing', JSON.stringify(value));
});
