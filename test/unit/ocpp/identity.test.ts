import t from 'tap';
import { basicAuthPassword, checkIdentity, chooseSubprotocol, identityFromPath, MAX_IDENTITY_LENGTH } from '../../../src/ocpp/identity.js';

const header = (user: string | Buffer, password: string | Buffer) =>
  'Basic ' + Buffer.concat([Buffer.from(user), Buffer.from(':'), Buffer.from(password)]).toString('base64');

t.test('the identity is the last path segment, percent-decoded', async (t) => {
  t.same(identityFromPath('/ocpp/CP1', '/ocpp'), { ok: true, identity: 'CP1' });
  t.same(identityFromPath('/ocpp/%43P1', '/ocpp'), { ok: true, identity: 'CP1' }, 'an encoded letter');
  t.same(identityFromPath('/ocpp/CP%2D1', '/ocpp'), { ok: true, identity: 'CP-1' });
  t.same(identityFromPath('/ocpp/site%3Acp%401', '/ocpp'), { ok: true, identity: 'site:cp@1' });
  t.same(identityFromPath('/ocpp/CP1?token=x', '/ocpp'), { ok: true, identity: 'CP1' }, 'a query is not part of it');
  t.same(identityFromPath('/ocpp/CP1/', '/ocpp/'), { ok: true, identity: 'CP1' }, 'trailing slashes');
  t.same(identityFromPath('/a/b/CP1', '/a/b'), { ok: true, identity: 'CP1' }, 'a deeper base path');
  t.same(identityFromPath('/CP1', '/'), { ok: true, identity: 'CP1' }, 'the root as base path');
});

t.test('a path outside the base, or with more segments, is refused', async (t) => {
  for (const path of ['/', '/ocpp', '/ocpp/', '/other/CP1', '/ocppX/CP1', '/ocpp/a/b', '', '/OCPP/CP1']) {
    t.same(identityFromPath(path, '/ocpp'), { ok: false, reason: 'path must be /ocpp/<chargerId>' }, JSON.stringify(path));
  }
});

t.test('decoded characters outside identifierString are refused', async (t) => {
  const notAllowed = { ok: false, reason: 'charger id may contain only letters, digits and * - _ = : + | @ .' };
  t.same(identityFromPath('/ocpp/CP%201', '/ocpp'), notAllowed, 'an encoded space');
  t.same(identityFromPath('/ocpp/a%2Fb', '/ocpp'), notAllowed, 'an encoded slash');
  t.same(identityFromPath('/ocpp/%C3%A4', '/ocpp'), notAllowed, 'a non-ASCII letter');
  t.same(identityFromPath('/ocpp/CP%00', '/ocpp'), notAllowed, 'a NUL');
  t.same(identityFromPath('/ocpp/CP%2', '/ocpp'), { ok: false, reason: 'charger id is not valid percent-encoding' });
  t.same(identityFromPath('/ocpp/%E0%A4%A', '/ocpp'), { ok: false, reason: 'charger id is not valid percent-encoding' });
});

t.test('identity length: 1 to 48 characters', async (t) => {
  t.equal(MAX_IDENTITY_LENGTH, 48);
  t.same(checkIdentity('x'.repeat(48)), { ok: true, identity: 'x'.repeat(48) });
  t.same(checkIdentity('x'.repeat(49)), { ok: false, reason: 'charger id must be 1 to 48 characters' });
  t.same(checkIdentity(''), { ok: false, reason: 'charger id must be 1 to 48 characters' });
  t.ok(checkIdentity('Az09*-_=:+|@.').ok, 'every allowed punctuation character');
  t.same(identityFromPath('/ocpp/' + '%41'.repeat(48), '/ocpp'), { ok: true, identity: 'A'.repeat(48) }, 'the limit applies after decoding');
});

t.test('Basic auth: the password after the known identity, as bytes', async (t) => {
  t.same(basicAuthPassword(header('CP1', 'secret'), 'CP1'), Buffer.from('secret'));
  t.same(basicAuthPassword(header('CP1', 'pa:ss:word'), 'CP1'), Buffer.from('pa:ss:word'), 'colons in the password');
  t.same(basicAuthPassword(header('site:cp:1', 'pa:ss'), 'site:cp:1'), Buffer.from('pa:ss'), 'colons in the identity and the password');
  const binary = Buffer.from([0x00, 0xff, 0x3a, 0x80, 0x0a, 0xc3, 0x28, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xfe]);
  t.same(basicAuthPassword(header('CP1', binary), 'CP1'), binary, 'binary bytes kept exactly (not UTF-8 decoded)');
  t.same(basicAuthPassword(header('CP1', ''), 'CP1'), Buffer.alloc(0), 'an empty password is an empty buffer, not none');
  t.same(basicAuthPassword('basic ' + Buffer.from('CP1:x').toString('base64'), 'CP1'), Buffer.from('x'), 'the scheme is case-insensitive');
});

t.test('Basic auth: no header, another scheme, another user or garbage give no password', async (t) => {
  t.equal(basicAuthPassword(undefined, 'CP1'), null);
  t.equal(basicAuthPassword('', 'CP1'), null);
  t.equal(basicAuthPassword('Bearer abc', 'CP1'), null);
  t.equal(basicAuthPassword(header('CP2', 'secret'), 'CP1'), null, 'the username must be the identity');
  t.equal(basicAuthPassword(header('CP12', 'secret'), 'CP1'), null, 'a longer username that starts like the identity');
  t.equal(basicAuthPassword('Basic ' + Buffer.from('CP1').toString('base64'), 'CP1'), null, 'no colon');
  t.equal(basicAuthPassword('Basic !!!', 'CP1'), null, 'not base64');
});

t.test('subprotocol: the server preference wins, and none offered is none chosen', async (t) => {
  t.equal(chooseSubprotocol('ocpp1.6', ['ocpp1.6']), 'ocpp1.6');
  t.equal(chooseSubprotocol('ocpp2.0.1, ocpp1.6', ['ocpp1.6', 'ocpp2.0.1']), 'ocpp1.6', 'ours first, whatever the client order');
  t.equal(chooseSubprotocol('ocpp1.6,ocpp2.0.1', ['ocpp2.0.1', 'ocpp1.6']), 'ocpp2.0.1');
  t.equal(chooseSubprotocol('ocpp2.0.1', ['ocpp1.6']), null);
  t.equal(chooseSubprotocol(undefined, ['ocpp1.6']), null);
  t.equal(chooseSubprotocol('', ['ocpp1.6']), null);
  t.equal(chooseSubprotocol('ocpp1.5, soap', ['ocpp1.6']), null);
});
