import t from 'tap';
import { profileRefusal, usesPassword } from '../../../src/gateway/security-profile.js';
import type { ClientCertificate, Transport } from '../../../src/ocpp/server.js';

const PLAIN: Transport = { secure: false };
const TLS: Transport = { secure: true };
const cert = (c: Partial<ClientCertificate>): Transport => ({ secure: true, clientCertificate: { trusted: true, commonName: 'CP3', fingerprint256: 'AB:CD', ...c } });

t.test('profile 1: any transport', async (t) => {
  t.equal(profileRefusal(1, 'CP1', PLAIN), undefined);
  t.equal(profileRefusal(1, 'CP1', TLS), undefined);
  t.equal(profileRefusal(1, 'CP1', cert({ trusted: false })), undefined, 'a certificate it need not have is not judged');
  t.equal(usesPassword(1), true);
});

t.test('profile 2: TLS only', async (t) => {
  t.equal(profileRefusal(2, 'CP2', PLAIN), 'security profile 2 requires TLS: the charger connected over plain ws://, it must use wss://');
  t.equal(profileRefusal(2, 'CP2', TLS), undefined);
  t.equal(usesPassword(2), true);
});

t.test('profile 3: TLS with a trusted client certificate whose CN is the charger id', async (t) => {
  t.match(profileRefusal(3, 'CP3', PLAIN), /^security profile 3 requires TLS/);
  t.equal(profileRefusal(3, 'CP3', TLS), 'security profile 3 requires a client certificate: the charger presented none');
  t.equal(profileRefusal(3, 'CP3', cert({ trusted: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })), 'security profile 3: the client certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
  t.equal(profileRefusal(3, 'CP3', cert({ trusted: false, error: 'CERT_HAS_EXPIRED' })), 'security profile 3: the client certificate is not trusted (CERT_HAS_EXPIRED)');
  t.equal(profileRefusal(3, 'CP3', cert({ commonName: 'CP1' })), 'security profile 3: the client certificate is for "CP1", not for this charger');
  t.equal(profileRefusal(3, 'CP3', cert({ commonName: 'cp3' })), 'security profile 3: the client certificate is for "cp3", not for this charger', 'case matters, as in the URL');
  const noCn: Transport = { secure: true, clientCertificate: { trusted: true, fingerprint256: 'AB' } };
  t.equal(profileRefusal(3, 'CP3', noCn), 'security profile 3: the client certificate has no single subject CN');
  t.equal(profileRefusal(3, 'CP3', cert({})), undefined);
  t.equal(usesPassword(3), false);
});
