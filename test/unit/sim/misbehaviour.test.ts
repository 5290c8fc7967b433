import t from 'tap';
import {
  assignMisbehaviours,
  DEFAULT_LATE_SECONDS,
  formatMisbehaviour,
  MisbehaviourError,
  misbehavingCount,
  parseMisbehaviour,
  parseMisbehaviourCounts,
  planCall,
  type Misbehaviour,
} from '../../../src/sim/misbehaviour.js';

t.test('parseMisbehaviour: kinds, delays, and the text back', async (t) => {
  t.same(parseMisbehaviour('silent'), { kind: 'silent' });
  t.same(parseMisbehaviour(' ignore '), { kind: 'ignore' });
  t.same(parseMisbehaviour('late'), { kind: 'late', delaySeconds: DEFAULT_LATE_SECONDS });
  t.equal(DEFAULT_LATE_SECONDS, 25);
  t.same(parseMisbehaviour('late:0.3'), { kind: 'late', delaySeconds: 0.3 });
  t.same(parseMisbehaviour('noboot'), { kind: 'noboot' }, 'never boots');
  t.same(parseMisbehaviour('noboot:30'), { kind: 'noboot', bootDelaySeconds: 30 });
  for (const text of ['silent', 'callerror', 'reject', 'ignore', 'late:25', 'late:0.3', 'noboot', 'noboot:0', 'disconnect']) {
    t.equal(formatMisbehaviour(parseMisbehaviour(text)), text, `${text} round trip`);
  }
});

t.test('parseMisbehaviour: errors name the value and what is allowed', async (t) => {
  t.throws(() => parseMisbehaviour('sleepy'), { name: 'MisbehaviourError', message: /unknown misbehaviour "sleepy" \(allowed: silent, callerror, reject, ignore, late, noboot, disconnect/ });
  t.throws(() => parseMisbehaviour(''), /unknown misbehaviour ""/);
  t.throws(() => parseMisbehaviour('late:soon'), /late:SECONDS must be a number of seconds 0..86400, got "soon"/);
  t.throws(() => parseMisbehaviour('late:-1'), /got "-1"/);
  t.throws(() => parseMisbehaviour('late:'), /got ""/);
  t.throws(() => parseMisbehaviour('reject:5'), /"reject:5": reject takes no :SECONDS \(only late and noboot do\)/);
});

t.test('parseMisbehaviourCounts: KIND=COUNT[:SECONDS], in order', async (t) => {
  t.same(parseMisbehaviourCounts('silent=1,callerror=1,reject=1,ignore=1,late=1,noboot=1,disconnect=1').map((c) => [c.misbehaviour.kind, c.count]), [
    ['silent', 1], ['callerror', 1], ['reject', 1], ['ignore', 1], ['late', 1], ['noboot', 1], ['disconnect', 1],
  ]);
  t.same(parseMisbehaviourCounts('late=2:0.3, noboot=1:30'), [
    { misbehaviour: { kind: 'late', delaySeconds: 0.3 }, count: 2 },
    { misbehaviour: { kind: 'noboot', bootDelaySeconds: 30 }, count: 1 },
  ]);
  t.equal(misbehavingCount(parseMisbehaviourCounts('silent=2,ignore=0,late=3')), 5);
  const cases: [string, RegExp][] = [
    ['silent', /"silent" must be KIND=COUNT or KIND=COUNT:SECONDS \(allowed: silent/],
    ['silent=', /the count in "silent=" must be a whole number 0..1000, got ""/],
    ['silent=x', /got "x"/],
    ['silent=1.5', /got "1.5"/],
    ['silent=1001', /got "1001"/],
    ['grumpy=1', /unknown misbehaviour "grumpy"/],
    ['late=1:x', /late:SECONDS must be a number of seconds/],
    ['ignore=1:3', /ignore takes no :SECONDS/],
    ['silent=1,silent=2', /silent is given twice in "silent=1,silent=2"/],
    ['silent=1,', /"" must be KIND=COUNT/],
  ];
  for (const [text, re] of cases) t.throws(() => parseMisbehaviourCounts(text), re, text);
  t.throws(() => parseMisbehaviourCounts('x=1'), MisbehaviourError);
});

t.test('assignMisbehaviours: the first chargers in the order given, the rest behave', async (t) => {
  const counts = parseMisbehaviourCounts('ignore=2,silent=1');
  t.same(assignMisbehaviours(counts, 5).map((m) => m?.kind), ['ignore', 'ignore', 'silent', undefined, undefined]);
  t.same(assignMisbehaviours(counts, 3).map((m) => m?.kind), ['ignore', 'ignore', 'silent']);
  t.same(assignMisbehaviours([], 2), [undefined, undefined]);
  t.throws(() => assignMisbehaviours(counts, 2), /3 misbehaving chargers asked for, but the fleet has 2/);
});

t.test('planCall: what each misbehaviour does with each call', async (t) => {
  const plan = (m: Misbehaviour | undefined, action: string) => planCall(m, action).do;
  for (const action of ['SetChargingProfile', 'ClearChargingProfile', 'GetConfiguration', 'RemoteStartTransaction']) {
    t.equal(plan(undefined, action), 'answer', `behaving: ${action}`);
    t.equal(plan({ kind: 'silent' }, action), 'ignore-call', `silent: ${action}`);
    t.equal(plan({ kind: 'ignore' }, action), 'answer', `ignore answers (the model disobeys): ${action}`);
    t.equal(plan({ kind: 'noboot' }, action), 'answer', `noboot answers: ${action}`);
  }
  t.same(planCall({ kind: 'late', delaySeconds: 0.3 }, 'GetConfiguration'), { do: 'delay', ms: 300 });
  t.equal(plan({ kind: 'callerror' }, 'SetChargingProfile'), 'callerror');
  t.equal(plan({ kind: 'callerror' }, 'ClearChargingProfile'), 'callerror');
  t.equal(plan({ kind: 'callerror' }, 'GetCompositeSchedule'), 'answer');
  t.equal(plan({ kind: 'reject' }, 'SetChargingProfile'), 'reject');
  t.equal(plan({ kind: 'reject' }, 'ClearChargingProfile'), 'answer');
  t.equal(plan({ kind: 'disconnect' }, 'SetChargingProfile'), 'drop-connection');
  t.equal(plan({ kind: 'disconnect' }, 'RemoteStopTransaction'), 'answer');
});
