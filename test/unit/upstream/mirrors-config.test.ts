/** upstream.mirrors in the config file: what a mirror gets by default, and each mistake named by its key. */
import t from 'tap';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { mirrorCall } from '../../../src/upstream/mirror-policy.js';

const PRIMARY = 'upstream:\n  url: wss://csms.example.com/ocpp\n  identity: SITE-1\n';

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, { env: {}, baseDir: '/' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

t.test('a mirror gets its own connection defaults and no commands', async (t) => {
  const config = parseConfig(`${PRIMARY}  mirrors:\n    - { name: supplier, url: "wss://supplier.example/ocpp", identity: SUPPLIER-SITE-1 }\n`, { env: {}, baseDir: '/' });
  t.equal(config.upstream.name, 'primary');
  t.match(config.upstream.mirrors[0], { name: 'supplier', ocpp: '1.6', commands: [], callTimeout: 30, transactionMessageAttempts: 5, reconnect: { initialDelay: 1, maxDelay: 300 }, outbox: { maxMessages: 500000 } });
  t.notOk('password' in config.upstream.mirrors[0]!, 'no credentials unless given');
});

t.test('duplicate names, a missing url or identity, primary-only commands, another OCPP version: each named', async (t) => {
  const text = [
    PRIMARY,
    '  mirrors:',
    '    - { name: supplier, url: "wss://a.example/ocpp", identity: A }',
    '    - { name: supplier, url: "wss://b.example/ocpp", identity: B }',
    '    - { name: primary, url: "wss://c.example/ocpp", identity: C }',
    '    - { name: registry, identity: D }',
    '    - { name: nourl, mode: transparent }',
    '    - { name: noid, url: "wss://e.example/ocpp" }',
    '    - { name: profiles, url: "wss://f.example/ocpp", identity: F, commands: [SetChargingProfile] }',
    '    - { name: v201, url: "wss://g.example/ocpp", identity: G, ocpp: "2.0.1" }',
    '    - { name: "bad/name", url: "wss://h.example/ocpp", identity: H }',
  ].join('\n');
  const problems = problemsOf(text);
  const expect = [
    /^upstream\.mirrors\[1\]\.name: "supplier" is already the name of upstream\.mirrors\[0\]; every upstream needs its own name$/,
    /^upstream\.mirrors\[2\]\.name: "primary" is already the name of upstream\.name/,
    /^upstream\.mirrors\[3\]\.url: required when upstream\.mirrors\[3\]\.mode is aggregate$/,
    /^upstream\.mirrors\[4\]\.url: required when upstream\.mirrors\[4\]\.mode is transparent$/,
    /^upstream\.mirrors\[5\]\.identity: required in aggregate mode/,
    /^upstream\.mirrors\[6\]\.commands\[0\]: must be one of .*GetConfiguration.*, got "SetChargingProfile"$/,
    /^upstream\.mirrors\[8\]\.name: must be letters, digits, _ and - /,
  ];
  for (const e of expect) t.ok(problems.some((p) => e.test(p)), String(e), { found: problems });
  t.equal(problems.length, expect.length, 'nothing else');
});

t.test('mirrors need a primary', async (t) => {
  t.same(problemsOf('upstream:\n  mirrors:\n    - { name: supplier, url: "wss://a.example/ocpp", identity: A }\n'), [
    'upstream.mirrors: mirrors need a primary upstream: set upstream.url (the cloud whose answers decide)',
  ]);
});

t.test('a mirror\'s refusals: the action\'s own Rejected where it has one, else CALLERROR SecurityError', async (t) => {
  t.same(mirrorCall('supplier', ['GetConfiguration'], 'GetConfiguration'), { allowed: true });
  t.same(mirrorCall('supplier', [], 'RemoteStartTransaction'), { allowed: false, answer: { status: 'Rejected' } });
  t.same(mirrorCall('supplier', [], 'TriggerMessage'), { allowed: false, answer: { status: 'Rejected' } });
  t.match(mirrorCall('supplier', [], 'UpdateFirmware'), { allowed: false, error: 'SecurityError', description: /UpdateFirmware is not allowed from upstream mirror supplier/ });
  t.match(mirrorCall('supplier', [], 'UnlockConnector'), { allowed: false, error: 'SecurityError' });
});
