import t from 'tap';
import { problemsOf } from '../../helpers/config.js';
import { ConfigError, closestKey, describeAllowed, formatPath } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';


const OCPP_KEYS = 'host, port, plain, tls, path, maxFrameBytes, pingInterval, callTimeout, heartbeatInterval, maxCallsInFlight, callRate, callBurst, maxAuthFailures, validation, requireSubprotocol, bootTimeout, orphanGrace';
const CHARGER_KEYS = 'id, password, securityProfile, maxCurrent, phases, connectors, minCurrent, uncontrolledCurrent, priority, phaseRotation, phaseSwitching, validation, ocpp, allowSetNetworkProfile, pushLocalList, circuit, upstream, setup, quirks';

t.test('unknown key names the allowed keys and suggests the closest', async (t) => {
  t.strictSame(problemsOf('ocpp:\n  prot: 9000\n'), [`ocpp.prot: unknown key (allowed: ${OCPP_KEYS}); did you mean "port"?`]);
  t.strictSame(problemsOf('ocpp:\n  MaxFrameBytes: 9000\n'), [`ocpp.MaxFrameBytes: unknown key (allowed: ${OCPP_KEYS}); did you mean "maxFrameBytes"?`]);
  t.strictSame(problemsOf('ocpp:\n  colour: red\n'), [`ocpp.colour: unknown key (allowed: ${OCPP_KEYS})`], 'no suggestion when nothing is close');
  t.strictSame(problemsOf('ocp:\n  port: 1\n'), ['ocp: unknown key (allowed: ocpp, chargers, authorization, storage, log, site, tariff, mqtt, upstream, http, security, firmware, diagnostics); did you mean "ocpp"?']);
});

t.test('a misspelt required key is reported once, as unknown, not also as missing', async (t) => {
  t.strictSame(problemsOf('chargers:\n  list:\n    - id: CP1\n      pasword: secret-123\n'), [
    `chargers.list[0].pasword: unknown key (allowed: ${CHARGER_KEYS}); did you mean "password"?`,
  ]);
});

t.test('required key', async (t) => {
  t.strictSame(problemsOf('chargers:\n  list:\n    - id: CP1\n'), ['chargers.list[0].password: required for securityProfile 1 (Basic auth); only a securityProfile 3 charger connects without one']);
  t.strictSame(problemsOf('chargers:\n  list:\n    - password: secret-123\n'), ['chargers.list[0].id: required']);
  t.strictSame(problemsOf('authorization:\n  list:\n    - status: Blocked\n'), ['authorization.list[0].idTag: required']);
});

t.test('wrong values say what is allowed and what was given', async (t) => {
  const cases: [string, string][] = [
    ['chargers:\n  list:\n    - { id: CP1, password: secret-123, maxCurrent: 32A }\n', 'chargers.list[0].maxCurrent: must be a number from 6 to 80, got "32A"'],
    ['chargers:\n  list:\n    - { id: CP1, password: secret-123, maxCurrent: 5.5 }\n', 'chargers.list[0].maxCurrent: must be a number from 6 to 80, got 5.5'],
    ['chargers:\n  list:\n    - { id: CP1, password: secret-123, phases: 2 }\n', 'chargers.list[0].phases: must be one of 1, 3, got 2'],
    ['chargers:\n  list:\n    - { id: CP1, password: secret-123, connectors: 1.5 }\n', 'chargers.list[0].connectors: must be an integer from 1 to 8, got 1.5'],
    ['chargers:\n  list:\n    - { id: "CP 1", password: secret-123 }\n', 'chargers.list[0].id: must be a string of 1 to 48 characters of [A-Za-z0-9*_=:+|@.-], got "CP 1"'],
    ['chargers:\n  allowUnknown: yes\n', 'chargers.allowUnknown: must be true or false, got "yes"'],
    ['chargers:\n  allowSetNetworkProfile: "no"\n', 'chargers.allowSetNetworkProfile: must be true or false, got "no"'],
    ['chargers:\n  list:\n    - { id: CP1, password: secret-123, allowSetNetworkProfile: 1 }\n', 'chargers.list[0].allowSetNetworkProfile: must be true or false, got 1'],
    ['chargers:\n  list: CP1\n', 'chargers.list: must be a list, got "CP1"'],
    ['authorization:\n  mode: open\n', 'authorization.mode: must be one of list, accept-all, got "open"'],
    ['mqtt:\n  homeAssistant:\n    format: devices\n', 'mqtt.homeAssistant.format: must be one of entity, device, got "devices"'],
    ['authorization:\n  list:\n    - { idTag: ABCDEFGHIJKLMNOPQRSTU }\n', 'authorization.list[0].idTag: must be a string of 1 to 20 characters, got "ABCDEFGHIJKLMNOPQRSTU"'],
    ['authorization:\n  list:\n    - { idTag: A, status: accepted }\n', 'authorization.list[0].status: must be one of Accepted, Blocked, Expired, Invalid, got "accepted"'],
    ['authorization:\n  list:\n    - { idTag: A, expiryDate: "2027-12-31" }\n', 'authorization.list[0].expiryDate: must be a date-time with a time zone, e.g. 2027-12-31T23:59:59Z, got "2027-12-31"'],
    ['ocpp:\n  port: 65536\n', 'ocpp.port: must be an integer from 0 to 65535, got 65536'],
    ['ocpp:\n  path: ocpp\n', 'ocpp.path: must be a URL path starting with / and not ending with / (e.g. /ocpp), got "ocpp"'],
    ['ocpp:\n  path: /ocpp/\n', 'ocpp.path: must be a URL path starting with / and not ending with / (e.g. /ocpp), got "/ocpp/"'],
    ['ocpp:\n  host: ""\n', 'ocpp.host: must be a non-empty string, got ""'],
    ['ocpp: 9000\n', 'ocpp: must be a mapping with the keys host, port, plain, tls, path, maxFrameBytes, pingInterval, callTimeout, heartbeatInterval, maxCallsInFlight, callRate, callBurst, maxAuthFailures, validation, requireSubprotocol, bootTimeout, orphanGrace, got 9000'],
    ['log:\n  level: verbose\n', 'log.level: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['- ocpp\n', '(top level): must be a mapping with the keys ocpp, chargers, authorization, storage, log, site, tariff, mqtt, upstream, http, security, firmware, diagnostics, got ["ocpp"]'],
  ];
  for (const [text, expected] of cases) t.strictSame(problemsOf(text), [expected], expected);
});

t.test('duplicate charger ids and idTags (idTags compared ignoring case, as OCPP does)', async (t) => {
  const chargers = 'chargers:\n  list:\n' + ['CP1', 'CP2', 'CP1'].map((id) => `    - { id: ${id}, password: secret-123 }\n`).join('');
  t.strictSame(problemsOf(chargers), ['chargers.list[2].id: duplicate charger id "CP1" (also at chargers.list[0])']);
  t.strictSame(problemsOf('authorization:\n  list:\n    - idTag: abc\n    - idTag: ABC\n'), ['authorization.list[1].idTag: duplicate idTag "ABC" (also at authorization.list[0])']);
});

t.test('upstream.dataTransfer: a target that is no charger, or not a target at all', async (t) => {
  const up = (to: string) => `chargers:\n  list:\n    - { id: CP1, password: secret-123 }\nupstream:\n  url: ws://csms.example.com/ocpp\n  identity: SITE-1\n  dataTransfer:\n    - { vendorId: com.x, to: "${to}" }\n`;
  t.strictSame(problemsOf(up('charger:CP9')), ['upstream.dataTransfer[0].to: "charger:CP9" names no charger of chargers.list (allowed: charger:CP1, mqtt, reject)']);
  t.strictSame(problemsOf(up('somewhere')), ['upstream.dataTransfer[0].to: must be charger:<a charger id>, mqtt or reject, got "somewhere"']);
  t.strictSame(problemsOf(up('mqtt')), []);
});

t.test('secret values are never echoed', async (t) => {
  t.strictSame(problemsOf('chargers:\n  list:\n    - { id: CP1, password: short }\n'), ['chargers.list[0].password: must be a string of 8 to 128 characters, got (hidden)']);
  t.strictSame(problemsOf('chargers:\n  list:\n    - { id: "${ID}", password: secret-123 }\n', { ID: 'not valid!' }), [
    'chargers.list[0].id: must be a string of 1 to 48 characters of [A-Za-z0-9*_=:+|@.-], got (hidden)',
  ], 'a value filled from ${...} is hidden too');
  const [problem] = problemsOf('chargers:\n  list:\n    id: CP1\n    password: hunter2-secret\n');
  t.equal(problem, 'chargers.list: must be a list, got {"id":"CP1","password":"(hidden)"}', 'a secret inside a shown mapping is hidden');
  t.strictSame(problemsOf('ocpp:\n  token: abc\n'), [`ocpp.token: unknown key (allowed: ${OCPP_KEYS})`], 'an unknown key never shows its value');
});

t.test('long values are cut', async (t) => {
  const [problem] = problemsOf(`ocpp:\n  port: "${'9'.repeat(200)}"\n`);
  t.equal(problem, `ocpp.port: must be an integer from 0 to 65535, got "${'9'.repeat(78)}…`);
});

t.test('YAML syntax errors give line and column', async (t) => {
  t.strictSame(problemsOf('ocpp:\n  port: 1\n  port: 2\n'), ['line 3, column 3: invalid YAML: Map keys must be unique']);
  t.strictSame(problemsOf('ocpp:\n  path: "/ocpp\n'), ['line 3, column 1: invalid YAML: Missing closing "quote']);
  t.strictSame(problemsOf('ocpp:\n\tport: 1\n'), ['line 2, column 1: invalid YAML: Tabs are not allowed as indentation']);
  // yaml finds an unresolved alias only when building values, without a position: the name must do.
  t.strictSame(problemsOf('ocpp: *nowhere\n'), ['invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere']);
});

t.test('all problems are reported together, in the order of the file', async (t) => {
  const text = [
    'ocpp:',
    '  prot: 9000',
    '  pingInterval: -1',
    'chargers:',
    '  list:',
    '    - id: CP1',
    '      password: ${CP1_PASSWORD}',
    '    - id: CP2',
    '      password: secret-123',
    '      maxCurrent: 32A',
    '    - id: CP1',
    'authorization:',
    '  mode: open',
  ].join('\n');
  const expected = [
    `ocpp.prot: unknown key (allowed: ${OCPP_KEYS}); did you mean "port"?`,
    'ocpp.pingInterval: must be an integer from 0 to 3600, got -1',
    'chargers.list[0].password: environment variable CP1_PASSWORD is not set',
    'chargers.list[1].maxCurrent: must be a number from 6 to 80, got "32A"',
    'chargers.list[2].id: duplicate charger id "CP1" (also at chargers.list[0])',
    'chargers.list[2].password: required for securityProfile 1 (Basic auth); only a securityProfile 3 charger connects without one',
    'authorization.mode: must be one of list, accept-all, got "open"',
  ];
  t.strictSame(problemsOf(text), expected);
  const error = t.throws(() => parseConfig(text, { env: {}, baseDir: '/', source: '/etc/chargegate.yaml' })) as ConfigError;
  t.ok(error instanceof ConfigError);
  t.equal(error.name, 'ConfigError');
  t.equal(error.message, `/etc/chargegate.yaml: 7 problems:\n${expected.map((p) => `  ${p}`).join('\n')}`);
});

t.test('paths and suggestions', async (t) => {
  t.equal(formatPath([]), '(top level)');
  t.equal(formatPath(['chargers', 'list', 1, 'maxCurrent']), 'chargers.list[1].maxCurrent');
  t.equal(formatPath(['ocpp', 'my key']), 'ocpp["my key"]');
  t.equal(closestKey('hearbeatInterval', ['pingInterval', 'heartbeatInterval']), 'heartbeatInterval');
  t.equal(closestKey('x', ['host', 'port']), undefined);
});

t.test('wording of schema nodes the current schema does not use yet', async (t) => {
  t.equal(describeAllowed({ type: 'integer', minimum: 1 }), 'an integer of at least 1');
  t.equal(describeAllowed({ type: 'number', maximum: 5 }), 'a number of at most 5');
  t.equal(describeAllowed({ type: 'number' }), 'a number');
  t.equal(describeAllowed({ type: 'string', maxLength: 9 }), 'a string of at most 9 characters');
  t.equal(describeAllowed({ type: 'string', minLength: 3 }), 'a string of at least 3 characters');
  t.equal(describeAllowed({ type: 'string', pattern: '^[a-z]+$' }), 'a string of characters [a-z]');
  t.equal(describeAllowed({ type: 'string', pattern: '^mqtts?://' }), 'a string matching ^mqtts?://');
  t.equal(describeAllowed({}), 'a valid value');
});

t.test('upstream.ocpp: a version chargegate does not speak to a cloud, and 2.0.1 in either mode', async (t) => {
  const up = (lines: string) => `chargers:\n  list:\n    - { id: CP1, password: secret-123 }\nupstream:\n  url: ws://csms.example.com/ocpp\n${lines}`;
  t.strictSame(problemsOf(up('  mode: transparent\n  ocpp: "2.1"\n')), ['upstream.ocpp: must be one of 1.6, 2.0.1, got "2.1"']);
  t.strictSame(problemsOf(up('  identity: SITE-1\n  ocpp: 2.0.1\n')), [], 'aggregate mode over 2.0.1: the site as one charging station');
  t.strictSame(problemsOf(up('  mode: transparent\n  ocpp: 2.0.1\n')), []);
  t.strictSame(problemsOf(up('  mode: transparent\n  ocpp: 1.6\n')), [], 'a YAML number 1.6 is the version 1.6');
  t.strictSame(problemsOf(up('  mode: transparent\n  ocpp: 2\n')), ['upstream.ocpp: must be one of 1.6, 2.0.1, got "2"']);
  t.strictSame(problemsOf(up('  identity: SITE-1\n  mirrors:\n    - { name: m2, url: ws://other.example.com/ocpp, mode: transparent, ocpp: "1.5" }\n')), ['upstream.mirrors[0].ocpp: must be one of 1.6, 2.0.1, got "1.5"']);
});
