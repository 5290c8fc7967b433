import { join } from 'node:path';
import t from 'tap';
import { problemsOf } from '../../helpers/config.js';
import { ConfigError } from '../../../src/config/errors.js';
import { demoConfig, loadConfigFile, parseConfig } from '../../../src/config/load.js';


const ONE_CHARGER = 'chargers:\n  list:\n    - id: CP1\n      password: "${CP1_PASSWORD}"\n';

t.test('an empty file gives every default, closed to strangers', async (t) => {
  const config = parseConfig('', { env: {}, baseDir: '/srv/site' });
  t.strictSame(config, {
    ocpp: { host: '0.0.0.0', port: 9000, plain: true, path: '/ocpp', maxFrameBytes: 65536, pingInterval: 30, callTimeout: 30, heartbeatInterval: 300, maxCallsInFlight: 4, callRate: 20, callBurst: 100, maxAuthFailures: 10, validation: 'lenient', requireSubprotocol: false, bootTimeout: 15, orphanGrace: 300 },
    chargers: { allowUnknown: false, allowSetNetworkProfile: false, list: [], setup: { mode: 'auto', meterValueSampleInterval: 60 } },
    authorization: { mode: 'list', list: [] },
    storage: { dir: '/srv/site/data' },
    log: { level: 'info', format: 'json' },
    mqtt: { host: '127.0.0.1', port: 1883, users: [], maxPacketSize: 262144, maxAuthFailures: 10, prefix: 'chargegate', throttle: 1, showIdTag: false, homeAssistant: { discovery: true, prefix: 'homeassistant' } },
    upstream: {
      name: 'primary', ocpp: '1.6', answerTimeout: 2, callTimeout: 30, maxCallsInFlight: 1000, callRate: 50, callBurst: 500, transactionMessageAttempts: 5, transactionMessageRetryInterval: 60, stopTransactionOnInvalidId: true,
      reconnect: { initialDelay: 1, maxDelay: 300 }, offline: { unknownIdTag: 'reject' }, outbox: { maxMessages: 500000 }, connectors: [], mirrors: [], dataTransfer: [],
    },
    http: { port: 8080, requestTimeout: 30, keepAliveTimeout: 5, maxConnections: 256, maxConnectionsPerAddress: 32, maxAuthFailures: 10, allowedHosts: [], allowedOrigins: [] },
    security: {},
    firmware: { maxBytes: 268435456, proxy: true, fetchTimeout: 300 },
    diagnostics: { maxBytes: 67108864, uploadWindow: 86400, keep: 20 },
    demo: false,
  });
});

t.test('defaults fill each list entry; given values are kept', async (t) => {
  const text = `${ONE_CHARGER}    - { id: CP2, password: other-secret, maxCurrent: 16.5, phases: 1, connectors: 2 }\nauthorization:\n  list:\n    - idTag: A1\n    - { idTag: B2, status: Blocked, expiryDate: "2027-01-01T00:00:00+01:00", parentIdTag: FAMILY }\n`;
  const config = parseConfig(text, { env: { CP1_PASSWORD: 'cp1-secret' }, baseDir: '/' });
  t.match(config.chargers.list, [
    { id: 'CP1', password: 'cp1-secret', maxCurrent: 32, phases: 3, connectors: 1 },
    { id: 'CP2', password: 'other-secret', maxCurrent: 16.5, phases: 1, connectors: 2 },
  ]);
  t.strictSame(config.authorization.list, [
    { idTag: 'A1', status: 'Accepted' },
    { idTag: 'B2', status: 'Blocked', expiryDate: '2027-01-01T00:00:00+01:00', parentIdTag: 'FAMILY' },
  ]);
});

t.test('${NAME} takes an environment variable', async (t) => {
  const config = parseConfig(ONE_CHARGER, { env: { CP1_PASSWORD: 'from-the-env' }, baseDir: '/' });
  t.equal(config.chargers.list[0]?.password, 'from-the-env');
  t.strictSame(problemsOf(ONE_CHARGER), ['chargers.list[0].password: environment variable CP1_PASSWORD is not set']);
});

t.test('references can sit inside text, be escaped, and are not expanded twice', async (t) => {
  const text = 'storage:\n  dir: "/var/${SITE}/$${LITERAL}/${TWICE}"\n';
  const config = parseConfig(text, { env: { SITE: 'north', TWICE: '${SITE}' }, baseDir: '/' });
  t.equal(config.storage.dir, '/var/north/${LITERAL}/${SITE}');
  t.strictSame(problemsOf('storage:\n  dir: "${not a name}"\n'), [
    'storage.dir: invalid reference ${not a name} (allowed: ${NAME} for an environment variable, ${file:path} for a file, $${ for a literal ${)',
  ]);
});

t.test('${file:path} takes the trimmed contents of a file, relative to the config folder', async (t) => {
  const dir = t.testdir({ secrets: { cp1: '  file-secret-1\n' }, 'cp2.txt': 'file-secret-2\n' });
  const text = `chargers:\n  list:\n    - { id: CP1, password: "\${file:secrets/cp1}" }\n    - { id: CP2, password: "\${file:${join(dir, 'cp2.txt')}}" }\n`;
  const config = parseConfig(text, { env: {}, baseDir: dir });
  t.strictSame(config.chargers.list.map((c) => c.password), ['file-secret-1', 'file-secret-2']);

  const missing = join(dir, 'secrets', 'nope');
  t.strictSame(problemsOf('chargers:\n  list:\n    - { id: CP1, password: "${file:secrets/nope}" }\n', {}, dir), [
    `chargers.list[0].password: cannot read secret file ${JSON.stringify(missing)} (ENOENT)`,
  ]);
});

t.test('a secret that resolves but is invalid is not shown', async (t) => {
  const problems = problemsOf(ONE_CHARGER, { CP1_PASSWORD: 'short' });
  t.strictSame(problems, ['chargers.list[0].password: must be a string of 8 to 128 characters, got (hidden)']);
});

t.test('loadConfigFile reads the file and resolves storage.dir against its folder', async (t) => {
  const dir = t.testdir({
    site: { 'chargegate.yaml': `${ONE_CHARGER}storage:\n  dir: state\n`, 'abs.yaml': 'storage:\n  dir: /var/lib/chargegate\n', 'bad.yaml': 'ocpp:\n  port: high\n' },
  });
  const config = loadConfigFile(join(dir, 'site', 'chargegate.yaml'), { CP1_PASSWORD: 'from-the-env' });
  t.equal(config.storage.dir, join(dir, 'site', 'state'));
  t.equal(config.demo, false);
  t.equal(loadConfigFile(join(dir, 'site', 'abs.yaml'), {}).storage.dir, '/var/lib/chargegate');

  const bad = join(dir, 'site', 'bad.yaml');
  t.throws(() => loadConfigFile(bad, {}), { name: 'ConfigError', message: `${bad}: 1 problem:\n  ocpp.port: must be an integer from 0 to 65535, got "high"` });
  const missing = join(dir, 'missing.yaml');
  t.throws(() => loadConfigFile(missing, {}), new ConfigError(['cannot read the config file (ENOENT)'], missing));
});

t.test('demo config: open to everyone, flagged as demo', async (t) => {
  const demo = demoConfig();
  t.equal(demo.demo, true);
  t.strictSame(demo.ocpp, { host: '0.0.0.0', port: 9000, plain: true, path: '/ocpp', maxFrameBytes: 65536, pingInterval: 30, callTimeout: 30, heartbeatInterval: 300, maxCallsInFlight: 4, callRate: 20, callBurst: 100, maxAuthFailures: 10, validation: 'lenient', requireSubprotocol: false, bootTimeout: 15, orphanGrace: 300 });
  t.strictSame(demo.chargers, { allowUnknown: true, allowSetNetworkProfile: false, list: [], setup: { mode: 'auto', meterValueSampleInterval: 60 } });
  t.strictSame(demo.authorization, { mode: 'accept-all', list: [] });
  t.strictSame(demo.storage, { dir: './data' });
  t.strictSame(demo.log, { level: 'info', format: 'json' });
  t.not(demoConfig(), demo, 'each call builds its own');
});

t.test('the result is deep-frozen', async (t) => {
  const config = parseConfig(`${ONE_CHARGER}authorization:\n  list:\n    - idTag: A1\n`, { env: { CP1_PASSWORD: 'cp1-secret' }, baseDir: '/' });
  for (const node of [config, config.ocpp, config.chargers, config.chargers.list, config.chargers.list[0], config.authorization.list[0], config.storage, config.log]) {
    t.ok(Object.isFrozen(node));
  }
  t.throws(() => {
    (config.ocpp as { port: number }).port = 1;
  }, TypeError);
  t.throws(() => {
    (config.chargers.list as unknown[]).push({});
  }, TypeError);
  t.ok(Object.isFrozen(demoConfig().chargers.list));
});

t.test('YAML anchors and merge keys work, to share charger settings', async (t) => {
  const text = 'chargers:\n  list:\n    - &garage { id: A, password: secret-123, maxCurrent: 16, phases: 1 }\n    - { <<: *garage, id: B }\n';
  const config = parseConfig(text, { env: {}, baseDir: '/' });
  t.match(config.chargers.list[1], { id: 'B', password: 'secret-123', maxCurrent: 16, phases: 1, connectors: 1 });
});
