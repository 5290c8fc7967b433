/**
 * `chargegate init` (issue 18): a home config from flags, and by answering questions on a
 * terminal. What it writes passes `config check`, is private (0600), and holds no default
 * password: each is generated (or typed in), different every time, and printed once.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { initCommand } from '../../src/cli/init.js';
import { loadConfigFile } from '../../src/config/load.js';
import { chargegate } from '../helpers/cli.js';

t.setTimeout(240_000);

t.test('from flags: two wallboxes, the embedded broker, the fuse; checked, private, no default password', async (t) => {
  const dir = t.testdir();
  const out = join(dir, 'home.yaml');
  const run = await chargegate(['init', '--charger', 'garage', '--charger', 'carport', '--max-current', '16', '--site-fuse', '25', '--broker', 'embedded', '--out', out]);
  t.equal(run.code, 0, run.stderr);
  t.equal(statSync(out).mode & 0o777, 0o600, 'readable by its owner alone');
  const check = await chargegate(['config', 'check', out]);
  t.equal(check.code, 0, check.stderr);
  const config = loadConfigFile(out, {});
  t.strictSame(config.chargers.list.map((c) => [c.id, c.maxCurrent, c.phases]), [['garage', 16, 3], ['carport', 16, 3]]);
  const [a, b] = config.chargers.list.map((c) => c.password!);
  t.match(a, /^[0-9a-f]{20}$/, 'a generated charger password');
  t.not(a, b, 'each charger its own');
  t.equal(config.site?.supply.maxCurrent, 25);
  t.equal(config.mqtt?.broker, 'embedded');
  const ha = config.mqtt?.users?.[0];
  t.match(ha, { username: 'homeassistant', access: 'command' });
  t.ok((ha?.password.length ?? 0) >= 16, 'a generated broker password');
  t.equal(config.authorization.mode, 'accept-all', 'no cards: every idTag (a wallbox without a card reader)');
  t.match(run.stdout, `garage: URL ws://`);
  t.match(run.stdout, `password ${a}`, 'the password is printed once, to enter in the wallbox');
  t.match(run.stdout, `password ${ha?.password}`);

  // Each from source takes seconds on a busy box: at the same time.
  const [again, other, bad] = await Promise.all([
    chargegate(['init', '--charger', 'garage', '--out', out]),
    chargegate(['init', '--charger', 'garage', '--out', join(dir, 'other.yaml')]),
    chargegate(['init', '--site-fuse', 'lots', '--out', join(dir, 'bad.yaml')]),
  ]);
  t.equal(again.code, 2, 'an existing file is not replaced without --force');
  t.match(again.stderr, 'exists; --force replaces it');
  t.equal(other.code, 0, other.stderr);
  t.not(loadConfigFile(join(dir, 'other.yaml'), {}).chargers.list[0]!.password, a, 'a new password every time');
  t.equal(bad.code, 2);
  t.match(bad.stderr, 'site-fuse: a number from 1 to 4000 (A per phase), got "lots"');
});

t.test('with cards and an external broker: the Start button\'s idTag is listed, the broker password comes from the environment', async (t) => {
  const dir = t.testdir();
  const out = join(dir, 'home.yaml');
  const run = await chargegate(['init', '--charger', 'wb1', '--broker', 'mqtt://homeassistant.local:1883', '--mqtt-username', 'chargegate', '--card', '04A2B3C4', '--phases', '1', '--out', out]);
  t.equal(run.code, 0, run.stderr);
  const [missing, given] = await Promise.all([chargegate(['config', 'check', out]), chargegate(['config', 'check', out], { MQTT_PASSWORD: 'broker-secret' })]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, 'mqtt.password: environment variable MQTT_PASSWORD is not set');
  t.equal(given.code, 0, given.stderr);
  const config = loadConfigFile(out, { MQTT_PASSWORD: 'broker-secret' });
  t.equal(config.authorization.mode, 'list');
  t.strictSame(config.authorization.list.map((e) => e.idTag).sort(), ['04A2B3C4', config.mqtt!.startIdTag!].sort(), 'Home Assistant\'s Start idTag may charge');
  t.match(config.mqtt, { broker: 'external', url: 'mqtt://homeassistant.local:1883', username: 'chargegate', password: 'broker-secret' });
  t.equal(config.chargers.list[0]!.phases, 1);
  t.match(run.stdout, 'Set MQTT_PASSWORD to the password of chargegate');
});

t.test('on a terminal without flags it asks, re-asks a wrong answer, and takes a typed password', async (t) => {
  const dir = t.testdir();
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let shown = '';
  stdout.on('data', (d: Buffer) => (shown += d.toString()));
  const done = initCommand([], { stdin, stdout, stderr, cwd: dir });
  /** Answers the next question once it is on the screen. */
  const answer = async (question: string, text: string) => {
    while (!shown.includes(question)) await new Promise((r) => stdout.once('data', r));
    shown = shown.slice(shown.indexOf(question) + question.length);
    stdin.write(text + '\n');
  };
  await answer('Wallbox ids', 'garage');
  await answer('A per phase [16]', '5');
  await answer('a number from 6 to 80', '20');
  await answer('Phases', '');
  await answer('Password for garage', 'my-own-wallbox-key');
  await answer('Main fuse', '35');
  await answer('MQTT broker', '');
  await answer('Cards that may charge', '');
  t.equal(await done, 0);
  const config = loadConfigFile(join(dir, 'chargegate.yaml'), {});
  t.strictSame(config.chargers.list.map((c) => [c.id, c.password, c.maxCurrent, c.phases]), [['garage', 'my-own-wallbox-key', 20, 3]]);
  t.equal(config.site?.supply.maxCurrent, 35);
  t.equal(config.mqtt?.broker, 'embedded');
  t.equal(config.authorization.mode, 'accept-all');
  t.match(readFileSync(join(dir, 'chargegate.yaml'), 'utf8'), /mode: accept-all/);
});
