import t from 'tap';
import { parseScenario, ScenarioError } from '../../../src/sim/scenario.js';

const D = { connectors: 1, phases: 3 as const, maxCurrent: 16 };

function problems(text: string): string[] {
  try {
    parseScenario(text, D);
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  return [];
}

t.test('a valid scenario: defaults filled in, steps sorted by time (stable)', async (t) => {
  const s = parseScenario(
    `chargers:
  - { id: CP-1, connectors: 2, phases: 1, maxCurrent: 32, password: pw }
  - { id: CP-2 }
timeline:
  - { at: 5, charger: CP-1, connector: 2, do: stop, value: Remote }
  - { at: 0, charger: CP-2, connector: 1, do: plugIn }
  - { at: 0, charger: CP-2, do: authorize, idTag: ABC }
  - { at: 1, charger: CP-1, connector: 1, do: setCarMaxCurrent, value: 8 }
`,
    D,
  );
  t.same(s.chargers[1], { id: 'CP-2', connectors: 1, phases: 3, maxCurrent: 16 });
  t.equal(s.chargers[0]!.password, 'pw');
  t.same(s.timeline.map((x) => x.do), ['plugIn', 'authorize', 'setCarMaxCurrent', 'stop']);
});

t.test('JSON works too', async (t) => {
  const s = parseScenario('{"chargers":[{"id":"A"}],"timeline":[{"at":0,"charger":"A","do":"disconnect"}]}', D);
  t.equal(s.timeline[0]!.do, 'disconnect');
});

t.test('every problem is reported with its place', async (t) => {
  const p = problems(`chargers:
  - { id: CP-1, phases: 2, colour: red }
  - { id: CP-1 }
timeline:
  - { at: 0, charger: CP-1, connector: 1, do: explode }
  - { at: -1, charger: CP-1, connector: 1, do: plugIn }
  - { at: 0, charger: CP-9, connector: 1, do: plugIn }
  - { at: 0, charger: CP-1, do: start }
  - { at: 0, charger: CP-1, connector: 1, do: setCarMaxCurrent }
  - { at: 0, charger: CP-1, connector: 1, do: stop, value: Bored }
  - { at: 0, charger: CP-1, connector: 1, do: start, idTag: THIS-IS-WAY-TOO-LONG-FOR-OCPP }
`);
  t.match(p.join('\n'), /charger 1: unknown field "colour"/);
  t.match(p.join('\n'), /charger 1: "phases" must be 1 or 3/);
  t.match(p.join('\n'), /charger 2: id "CP-1" is used twice/);
  t.match(p.join('\n'), /step 1: unknown action "explode" \(allowed: plugIn, authorize/);
  t.match(p.join('\n'), /step 2: "at" must be a number of seconds >= 0/);
  t.match(p.join('\n'), /step 3: unknown charger "CP-9"/);
  t.match(p.join('\n'), /step 4: "start" needs "connector" 1..1/);
  t.match(p.join('\n'), /step 5: setCarMaxCurrent needs "value"/);
  t.match(p.join('\n'), /step 6: stop "value" must be a reason/);
  t.match(p.join('\n'), /step 7: "idTag" must be 1-20 characters/);
});

t.test('structural problems', async (t) => {
  t.match(problems('- a\n- b\n'), [/must be a mapping/]);
  t.match(problems('chargers: []\ntimeline: []\n'), [/non-empty list/]);
  t.match(problems('chargers: [{ id: A }]\n'), [/"timeline" must be a list/]);
  t.match(problems('chargers: [ { id: A '), [/not valid YAML or JSON/]);
});

t.test('misbehaving chargers: a field per charger and a timeline action', async (t) => {
  const s = parseScenario(
    `chargers:
  - { id: A, misbehave: silent }
  - { id: B, misbehave: late:0.3 }
  - id: C
    misbehave: noboot:30
  - { id: D }
timeline:
  - { at: 1, charger: D, do: misbehave, value: ignore }
  - { at: 2, charger: D, do: misbehave, value: none }
`,
    D,
  );
  t.same(s.chargers.map((c) => c.misbehave), [{ kind: 'silent' }, { kind: 'late', delaySeconds: 0.3 }, { kind: 'noboot', bootDelaySeconds: 30 }, undefined]);
  t.notOk('misbehave' in s.chargers[3]!);
  t.same(s.timeline.map((x) => [x.do, x.value]), [['misbehave', 'ignore'], ['misbehave', 'none']]);

  const p = problems(`chargers:
  - { id: A, misbehave: sleepy }
  - { id: B, misbehave: 3 }
timeline:
  - { at: 0, charger: A, do: misbehave, value: late:soon }
  - { at: 0, charger: A, do: misbehave }
`).join('\n');
  t.match(p, /charger 1: "misbehave": unknown misbehaviour "sleepy" \(allowed: silent, callerror/);
  t.match(p, /charger 2: "misbehave" must be a string like silent or late:25, got 3/);
  t.match(p, /step 1: misbehave "value" \(or none\): late:SECONDS must be a number of seconds/);
  t.match(p, /step 2: misbehave "value" \(or none\) must be a string/);
});
