import t from 'tap';
import { createCredentialCheck, keyForms } from '../../../src/gateway/credentials.js';

const RAW_KEY = Buffer.from('0123456789abcdef0123', 'latin1'); // 20 bytes, not hex text
const HEX_CONFIGURED = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'; // a 16-byte key written in hex
const HEX_BYTES = Buffer.from(HEX_CONFIGURED, 'hex');

const check = createCredentialCheck(
  [
    { id: 'CP1', password: 'cp1-secret' },
    { id: 'HEX', password: HEX_CONFIGURED },
    { id: 'RAW', password: RAW_KEY.toString('latin1') },
    { id: 'site:cp:1', password: 'a:b:c' },
  ],
  false,
);

// Each reason has its kind, which the upgrade's log line names (issue 14 point 7).
const KINDS: Record<string, string> = { 'wrong password': 'wrong-password', 'password required (HTTP Basic auth)': 'missing-password', 'unknown charger (not in chargers.list)': 'unknown-id' };
const kindOf = (reason: string) => KINDS[reason] ?? (reason.startsWith('security profile') ? 'security-profile' : reason === 'no password configured for this charger' ? 'wrong-password' : undefined);
const refused = (reason: string) => ({ ok: false, status: 401, refusal: kindOf(reason), reason });

t.test('the configured password is accepted, anything else refused', async (t) => {
  t.same(check.authenticate('CP1', Buffer.from('cp1-secret')), { ok: true });
  t.same(check.authenticate('CP1', Buffer.from('cp1-secreT')), refused('wrong password'));
  t.same(check.authenticate('CP1', Buffer.from('cp1-secret ')), refused('wrong password'), 'a trailing space');
  t.same(check.authenticate('CP1', Buffer.alloc(0)), refused('wrong password'), 'an empty password');
  t.same(check.authenticate('CP1', null), refused('password required (HTTP Basic auth)'));
  t.same(check.authenticate('site:cp:1', Buffer.from('a:b:c')), { ok: true }, 'colons on both sides');
  t.same(check.authenticate('CP1', Buffer.from('a:b:c')), refused('wrong password'), "another charger's password");
});

t.test('AuthorizationKey configured in hex: the charger may send the raw bytes or the hex text', async (t) => {
  t.same(check.authenticate('HEX', HEX_BYTES), { ok: true }, 'raw bytes');
  t.same(check.authenticate('HEX', Buffer.from(HEX_CONFIGURED)), { ok: true }, 'hex text');
  t.same(check.authenticate('HEX', Buffer.from(HEX_CONFIGURED.toUpperCase())), { ok: true }, 'hex text in upper case');
  const wrong = Buffer.from(HEX_BYTES);
  wrong[15] = wrong[15]! ^ 1;
  t.same(check.authenticate('HEX', wrong), refused('wrong password'), 'one bit off');
  t.same(check.authenticate('HEX', Buffer.from(HEX_CONFIGURED.slice(0, -2))), refused('wrong password'), 'hex text one byte short');
});

t.test('AuthorizationKey configured raw: the charger may send its hex text', async (t) => {
  t.same(check.authenticate('RAW', RAW_KEY), { ok: true }, 'raw bytes');
  t.same(check.authenticate('RAW', Buffer.from(RAW_KEY.toString('hex'))), { ok: true }, 'hex text of the key');
  t.same(check.authenticate('RAW', Buffer.from(RAW_KEY.toString('hex').slice(2))), refused('wrong password'));
});

t.test('unknown identities: refused, unless allowUnknown (then no password is needed)', async (t) => {
  t.notOk(check.knows('CP9'));
  t.ok(check.knows('CP1'));
  t.same(check.authenticate('CP9', Buffer.from('anything')), refused('unknown charger (not in chargers.list)'));
  t.same(check.authenticate('CP9', null), refused('unknown charger (not in chargers.list)'));
  const open = createCredentialCheck([{ id: 'CP1', password: 'cp1-secret' }], true);
  t.same(open.authenticate('CP9', null), { ok: true });
  t.same(open.authenticate('CP9', Buffer.from('whatever')), { ok: true });
  t.same(open.authenticate('CP1', null), refused('password required (HTTP Basic auth)'), 'a listed charger still needs its password');
  t.same(open.authenticate('CP1', Buffer.from('nope')), refused('wrong password'));
});

t.test('keyForms: the key itself, plus its decoding when it is hex text', async (t) => {
  t.same(keyForms(Buffer.from('abcd')), [Buffer.from('abcd'), Buffer.from([0xab, 0xcd])]);
  t.same(keyForms(Buffer.from('abc')), [Buffer.from('abc')], 'odd length is not hex');
  t.same(keyForms(Buffer.from('secret')), [Buffer.from('secret')]);
  t.same(keyForms(Buffer.alloc(0)), [Buffer.alloc(0)]);
});

t.test('security profiles: the transport first, then the password (profiles 1 and 2) or the certificate alone (3)', async (t) => {
  const profiles = createCredentialCheck(
    [
      { id: 'P1', password: 'p1-secret', securityProfile: 1 },
      { id: 'P2', password: 'p2-secret', securityProfile: 2 },
      { id: 'P3', securityProfile: 3 },
      { id: 'P3PW', password: 'p3-secret', securityProfile: 3 },
    ],
    true,
  );
  const plain = { secure: false } as const;
  const tls = { secure: true } as const;
  const p3cert = (commonName: string) => ({ secure: true, clientCertificate: { trusted: true, commonName, fingerprint256: 'AB' } }) as const;
  t.same(profiles.authenticate('P1', Buffer.from('p1-secret'), plain), { ok: true });
  t.same(profiles.authenticate('P1', Buffer.from('p1-secret'), tls), { ok: true });
  t.same(profiles.authenticate('P1', Buffer.from('p1-secret')), { ok: true }, 'no transport given: plain');
  t.same(profiles.authenticate('P2', Buffer.from('p2-secret'), plain), refused('security profile 2 requires TLS: the charger connected over plain ws://, it must use wss://'));
  t.same(profiles.authenticate('P2', Buffer.from('p2-secret')), refused('security profile 2 requires TLS: the charger connected over plain ws://, it must use wss://'), 'no transport given: plain');
  t.same(profiles.authenticate('P2', Buffer.from('p2-secret'), tls), { ok: true });
  t.same(profiles.authenticate('P2', Buffer.from('wrong'), tls), refused('wrong password'));
  t.same(profiles.authenticate('P2', null, tls), refused('password required (HTTP Basic auth)'));
  t.same(profiles.authenticate('P3', null, p3cert('P3')), { ok: true }, 'no password');
  t.same(profiles.authenticate('P3', Buffer.from('anything'), p3cert('P3')), { ok: true }, 'a Basic auth header sent anyway is ignored');
  t.same(profiles.authenticate('P3PW', null, p3cert('P3PW')), { ok: true }, 'a configured password is not asked for');
  t.same(profiles.authenticate('P3', null, p3cert('P1')), refused('security profile 3: the client certificate is for "P1", not for this charger'));
  t.same(profiles.authenticate('P3', null, tls), refused('security profile 3 requires a client certificate: the charger presented none'));
  t.same(profiles.authenticate('GUEST', null, plain), { ok: true }, 'an unknown charger (allowUnknown) counts as profile 1');
  t.same(createCredentialCheck([{ id: 'NOPW' }], false).authenticate('NOPW', Buffer.from('x')), refused('no password configured for this charger'), 'profile 1 without a password (the loader refuses such a file) lets nobody in');
});
