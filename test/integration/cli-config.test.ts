import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { chargegate, VALID } from '../helpers/cli.js';

// Each case starts chargegate from source in a child process (transpiled on the fly): seconds
// each on a busy box, so the file gets more than tap's default 60 s.
t.setTimeout(240_000);

t.test('config check and start refuse a bad file with exit 2 and say what is wrong', async (t) => {
  const dir = t.testdir({
    'bad.yaml': VALID.replace('maxCurrent: 32', 'maxCurrent: "32A"'),
    'good.yaml': VALID + `storage:\n  dir: ./data\n`,
  });
  const bad = join(dir, 'bad.yaml');
  const [check, start, good] = await Promise.all([
    chargegate(['config', 'check', bad]),
    chargegate(['start', '--config', bad]),
    chargegate(['config', 'check', join(dir, 'good.yaml')]),
  ]);
  const problem = 'chargers.list[0].maxCurrent: must be a number from 6 to 80, got "32A"';
  t.equal(check.code, 2, 'config check: exit code 2');
  t.match(check.stderr, `${bad} is not a valid configuration:`);
  t.match(check.stderr, problem);
  t.notMatch(check.stderr, 'cp1-secret-key-01', 'the password is not echoed');
  t.equal(start.code, 2, 'start: exit code 2');
  t.match(start.stderr, problem);
  t.equal(start.stdout, '', 'start did not get as far as logging');
  t.equal(good.code, 0, 'a valid file: exit 0');
  t.match(good.stdout, `${join(dir, 'good.yaml')}: valid.`);
  t.match(good.stdout, '1 charger(s)');
  t.equal(good.stderr, '');
});

t.test('a port already in use stops start-up with exit 1 and names the key to change', async (t) => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const dir = t.testdir({ 'site.yaml': VALID + `mqtt:\n  port: ${port}\nhttp:\n  port: 0\nstorage:\n  dir: ./data\nlog:\n  level: silent\n` });
  const run = await chargegate(['start', '--config', join(dir, 'site.yaml')]);
  t.equal(run.code, 1);
  t.match(run.stderr, `port ${port} is already in use by another program: change mqtt.port in the config`);
});

t.test('a TLS key file that is missing or unusable: exit 2, one line naming the key', async (t) => {
  const dir = t.testdir({ 'site.pem': 'not a certificate either\n', 'bad.key': 'not a key\n' });
  const tls = (fields: string) => VALID.replace('ocpp:\n', `ocpp:\n  tls: { ${fields} }\n`);
  const missing = join(dir, 'missing.yaml');
  const unusable = join(dir, 'unusable.yaml');
  writeFileSync(missing, tls('certFile: site.pem, keyFile: nope.key'));
  writeFileSync(unusable, tls('certFile: site.pem, keyFile: bad.key'));
  const [a, b] = await Promise.all([chargegate(['start', '--config', missing]), chargegate(['config', 'check', unusable])]);
  t.equal(a.code, 2);
  t.match(a.stderr, `ocpp.tls.keyFile: cannot read ${JSON.stringify(join(dir, 'nope.key'))} (ENOENT)`);
  t.equal(b.code, 2);
  t.match(b.stderr, /\n {2}ocpp\.tls\.keyFile: ".*bad\.key": not a usable PEM private key without a passphrase \([^\n]*\)\n/);
  t.match(b.stderr, /\n {2}ocpp\.tls\.certFile: ".*site\.pem": holds no PEM certificate/);
  t.notMatch(a.stderr + b.stderr, /\n\s+at /, 'no stack');
});
