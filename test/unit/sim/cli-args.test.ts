import t from 'tap';
import { parseSimArgs, SIM_USAGE, UsageError } from '../../../src/sim/cli.js';

t.test('defaults', async (t) => {
  t.match(parseSimArgs([], {}), { url: 'ws://127.0.0.1:9000/ocpp', chargers: 1, connectors: 1, phases: 3, maxCurrent: 16, meterInterval: 10, idPrefix: 'SIM', idTag: 'SIMTAG01', logLevel: 'info', help: false });
  t.notOk('password' in parseSimArgs([], {}));
});

t.test('flags, --flag=value, env password', async (t) => {
  const a = parseSimArgs(['--chargers', '5', '--connectors=2', '--phases', '1', '--max-current', '32', '--meter-interval', '0.5', '--session-seconds', '10-20', '--id-prefix', 'LAB', '--id-tag', 'T1', '--log-level', 'debug'], { CHARGEGATE_SIM_PASSWORD: 'envpw' });
  t.match(a, { chargers: 5, connectors: 2, phases: 1, maxCurrent: 32, meterInterval: 0.5, sessionSeconds: [10, 20], idPrefix: 'LAB', idTag: 'T1', logLevel: 'debug', password: 'envpw' });
  t.equal(parseSimArgs(['--password', 'flagpw'], { CHARGEGATE_SIM_PASSWORD: 'envpw' }).password, 'flagpw', 'the flag wins');
  t.same(parseSimArgs(['--session-seconds', '30'], {}).sessionSeconds, [30, 30]);
  t.equal(parseSimArgs(['--help'], {}).help, true);
});

t.test('bad arguments name the flag and what is allowed', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--connectors', '0'], /--connectors must be a whole number 1..10, got "0"/],
    [['--max-current', '5'], /--max-current must be amperes 6..80/],
    [['--meter-interval', 'x'], /--meter-interval must be seconds/],
    [['--session-seconds', '20-10'], /--session-seconds must be N or MIN-MAX/],
    [['--id-prefix', 'a b'], /--id-prefix must be/],
    [['--id-tag', '123456789012345678901'], /CiString20/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--password', ''], /--password must not be empty/],
    [['chargers'], /unexpected argument "chargers"/],
    [['--url'], /--url needs a value/],
  ];
  for (const [argv, re] of cases) t.throws(() => parseSimArgs(argv, {}), re, argv.join(' '));
  t.throws(() => parseSimArgs(['--nope', '1'], {}), UsageError);
});

t.test('--misbehave: counts per kind, checked against --chargers whatever the order', async (t) => {
  t.notOk('misbehave' in parseSimArgs([], {}));
  const a = parseSimArgs(['--misbehave', 'silent=1,late=2:0.3,noboot=1', '--chargers', '5'], {});
  t.same(a.misbehave, [
    { misbehaviour: { kind: 'silent' }, count: 1 },
    { misbehaviour: { kind: 'late', delaySeconds: 0.3 }, count: 2 },
    { misbehaviour: { kind: 'noboot' }, count: 1 },
  ]);
  t.same(parseSimArgs(['--misbehave=late=1'], {}).misbehave, [{ misbehaviour: { kind: 'late', delaySeconds: 25 }, count: 1 }], 'late defaults to 25 s');
  const cases: [string[], RegExp][] = [
    [['--misbehave', 'sleepy=1'], /^--misbehave sleepy=1: unknown misbehaviour "sleepy" \(allowed: silent, callerror, reject, ignore, late, noboot, disconnect/],
    [['--misbehave', 'silent=two'], /^--misbehave silent=two: the count in "silent=two" must be a whole number 0..1000, got "two"/],
    [['--misbehave', 'late=1:soon'], /^--misbehave late=1:soon: late:SECONDS must be a number of seconds 0..86400, got "soon"/],
    [['--misbehave', 'reject=1:5'], /reject takes no :SECONDS/],
    [['--misbehave', 'silent'], /must be KIND=COUNT or KIND=COUNT:SECONDS/],
    [['--misbehave', 'silent=1,ignore=2', '--chargers', '2'], /--misbehave asks for 3 misbehaving chargers, but --chargers is 2/],
    [['--chargers', '2', '--misbehave', 'silent=3'], /asks for 3 misbehaving chargers, but --chargers is 2/],
    [['--misbehave', 'silent=1', '--scenario', 'x.yaml'], /--misbehave does not go with --scenario: give each charger of the scenario its own "misbehave:"/],
    [['--misbehave'], /--misbehave needs a value/],
  ];
  for (const [argv, re] of cases) t.throws(() => parseSimArgs(argv, {}), { name: 'UsageError', message: re }, argv.join(' '));
});

t.test('--help lists --misbehave and its kinds', async (t) => {
  t.match(SIM_USAGE, /--misbehave K=N,…\s+the first chargers misbehave/);
  t.match(SIM_USAGE, /silent, callerror, reject, ignore, late, noboot, disconnect/);
});

t.test('--ocpp: one version, or a list for a mixed fleet', async (t) => {
  t.notOk('ocpp' in parseSimArgs([], {}), 'default: the fleet speaks 1.6');
  t.same(parseSimArgs(['--ocpp', '2.0.1'], {}).ocpp, ['2.0.1']);
  t.same(parseSimArgs(['--ocpp=1.6,2.0.1'], {}).ocpp, ['1.6', '2.0.1']);
  t.throws(() => parseSimArgs(['--ocpp', '2.1'], {}), /--ocpp must be 1.6, 2.0.1 or a comma-separated list of them .*got "2.1"/);
  t.match(SIM_USAGE, /--ocpp V/);
});
