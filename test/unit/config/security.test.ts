/**
 * The security checks across keys: profiles against the listeners, passwords against profiles,
 * and the TLS files (read for real: certificates made with openssl), one line per problem
 * naming the key.
 */
import { join } from 'node:path';
import t from 'tap';
import { issue, makeCa } from '../../helpers/certs.js';
import { problemsOf } from '../../helpers/config.js';
import { parseConfig } from '../../../src/config/load.js';

const dir = t.testdir({ 'garbage.pem': 'not a certificate\n', 'garbage.key': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' });
const ca = makeCa(dir, 'ca');
const server = issue(dir, ca, 'server', '127.0.0.1', { server: true });
const other = issue(dir, ca, 'other', 'CP9');
const CHARGERS = 'chargers:\n  list:\n    - { id: CP1, password: cp1-secret-key }\n';
const tls = (fields: string) => `ocpp:\n  tls: { ${fields} }\n${CHARGERS}`;

t.test('a valid tls section: paths resolved against the config folder, defaults filled in', async (t) => {
  const config = parseConfig(tls('certFile: server.pem, keyFile: server.key, clientCaFile: ca.pem'), { env: {}, baseDir: dir });
  t.strictSame(config.ocpp.tls, { certFile: server.certFile, keyFile: server.keyFile, clientCaFile: ca.certFile, port: 9443, reloadInterval: 10 });
  t.equal(config.ocpp.plain, true);
  t.equal(config.chargers.list[0]?.securityProfile, 1);
});

t.test('tls files that cannot be used: one line each, naming the key', async (t) => {
  const missing = join(dir, 'nope.pem');
  t.strictSame(problemsOf(tls(`certFile: nope.pem, keyFile: server.key`), {}, dir), [`ocpp.tls.certFile: cannot read ${JSON.stringify(missing)} (ENOENT)`]);
  t.match(problemsOf(tls(`certFile: garbage.pem, keyFile: server.key`), {}, dir), [/^ocpp\.tls\.certFile: ".*garbage\.pem": holds no PEM certificate/]);
  t.match(problemsOf(tls(`certFile: server.pem, keyFile: garbage.key`), {}, dir), [/^ocpp\.tls\.keyFile: ".*garbage\.key": not a usable PEM private key without a passphrase \(/]);
  t.match(problemsOf(tls(`certFile: server.pem, keyFile: other.key`), {}, dir), [/^ocpp\.tls\.keyFile: ".*other\.key": this private key does not belong to the certificate/]);
  t.match(problemsOf(tls(`certFile: server.pem, keyFile: server.key, clientCaFile: garbage.pem`), {}, dir), [/^ocpp\.tls\.clientCaFile: ".*garbage\.pem": holds no PEM certificate/]);
  t.strictSame(problemsOf('ocpp:\n  tls: { port: 9443 }\n' + CHARGERS, {}, dir), ['ocpp.tls.certFile: required', 'ocpp.tls.keyFile: required']);
});

t.test('profiles need their listener; passwords are required for profiles 1 and 2 only', async (t) => {
  const list = (entries: string) => `chargers:\n  list:\n${entries}`;
  t.strictSame(problemsOf(list('    - { id: CP2, password: cp2-secret-key, securityProfile: 2 }\n')), ['chargers.list[0].securityProfile: 2 needs the wss:// listener: configure ocpp.tls']);
  t.strictSame(problemsOf(list('    - { id: CP3, securityProfile: 3 }\n')), ['chargers.list[0].securityProfile: 3 needs the wss:// listener: configure ocpp.tls']);
  t.strictSame(problemsOf(`ocpp:\n  tls: { certFile: server.pem, keyFile: server.key }\n` + list('    - { id: CP3, securityProfile: 3 }\n'), {}, dir), [
    "chargers.list[0].securityProfile: 3 needs ocpp.tls.clientCaFile, the CA that signs the chargers' client certificates",
  ]);
  t.strictSame(problemsOf(list('    - { id: CP2, securityProfile: 2 }\n')), [
    'chargers.list[0].securityProfile: 2 needs the wss:// listener: configure ocpp.tls',
    'chargers.list[0].password: required for securityProfile 2 (Basic auth); only a securityProfile 3 charger connects without one',
  ]);
  t.strictSame(problemsOf(`ocpp:\n  tls: { certFile: server.pem, keyFile: server.key, clientCaFile: ca.pem }\n` + list('    - { id: CP3, securityProfile: 3 }\n'), {}, dir), [], 'profile 3 needs no password');
  t.strictSame(problemsOf(list('    - { id: CP4, password: cp4-secret-key, securityProfile: 4 }\n')), ['chargers.list[0].securityProfile: must be one of 1, 2, 3, got 4']);
});

t.test('ocpp.plain: false needs ocpp.tls', async (t) => {
  t.strictSame(problemsOf('ocpp:\n  plain: false\n' + CHARGERS), ['ocpp.plain: false leaves chargers no listener at all: configure ocpp.tls, or keep plain: true']);
  t.strictSame(problemsOf('ocpp:\n  plain: false\n  tls: { certFile: server.pem, keyFile: server.key }\n' + CHARGERS, {}, dir), []);
});

t.test('upstream.cert and upstream.key: both, a matching pair, over wss://', async (t) => {
  const up = (fields: string, url = 'wss://csms.example.com/ocpp') => `upstream:\n  url: ${url}\n  identity: SITE-1\n${fields}`;
  const cert = `  cert: "\${file:${other.certFile}}"\n`;
  const key = `  key: "\${file:${other.keyFile}}"\n`;
  t.strictSame(problemsOf(up(cert + key)), []);
  t.strictSame(problemsOf(up(cert)), ['upstream.key: required with upstream.cert (its private key)']);
  t.strictSame(problemsOf(up(key)), ['upstream.cert: required with upstream.key (the client certificate the key belongs to)']);
  t.strictSame(problemsOf(up(cert + `  key: "\${file:${server.keyFile}}"\n`)), ['upstream.key: this private key does not belong to the certificate (the first one in the certificate file)']);
  t.match(problemsOf(up(cert + `  key: "\${file:${join(dir, 'garbage.key')}}"\n`)), [/^upstream\.key: not a usable PEM private key/]);
  t.strictSame(problemsOf(up(cert + key, 'ws://csms.example.com/ocpp')), ['upstream.cert: a client certificate needs a wss:// upstream.url']);
  t.strictSame(problemsOf(up(`  key: "\${file:${join(dir, 'missing.key')}}"\n` + cert)), [`upstream.key: cannot read secret file ${JSON.stringify(join(dir, 'missing.key'))} (ENOENT)`]);
});
