/** The life cycle of "uncontrolled" (control.ts), as a table: event → state. */
import t from 'tap';
import * as control from '../../../src/balancer/control.js';

const P = { firstMs: 15_000, maxMs: 120_000 };

t.test('a refusal: uncontrolled, retried after a back-off that doubles up to its cap', async (t) => {
  let u = control.refused(undefined, 'TxDefaultProfile: answered Rejected', 1000, P);
  t.match(u, { cause: 'refused', since: 1000, attempts: 1, retryAt: 16_000 });
  t.notOk(control.mayTry(u, 15_999), 'not before the back-off');
  t.ok(control.mayTry(u, 16_000));
  const retries = [31_000, 61_000, 121_000, 241_000];
  for (const at of retries) u = control.refused(u, 'TxDefaultProfile: answered Rejected', at - 15_000 + 15_000, P);
  t.same(
    [1, 2, 3, 4, 5, 6].map((n) => Math.min(P.maxMs, P.firstMs * 2 ** (n - 1))),
    [15_000, 30_000, 60_000, 120_000, 120_000, 120_000],
    'the back-off schedule',
  );
  t.equal(u.attempts, 5);
  t.equal(u.retryAt - 241_000, 120_000, 'capped at maxMs');
  t.equal(u.since, 1000, 'since the first refusal');
});

t.test('what ends it, by cause', async (t) => {
  const refused = control.refused(undefined, 'no answer in 30 s', 0, P);
  const ignores = control.overdrew(undefined, 'draws 16 A with a limit of 10 A', 0);
  const quirk = control.noSmartCharging();
  const table: [string, control.Uncontrolled, control.Uncontrolled | undefined, control.Uncontrolled | undefined][] = [
    // cause,        state,    after an accepted profile, after its sessions end
    ['refused', refused, undefined, undefined],
    ['ignores', ignores, ignores, undefined],
    ['quirk', quirk, quirk, quirk],
  ];
  for (const [cause, state, afterAccepted, afterSettled] of table) {
    t.equal(control.accepted(state), afterAccepted, `${cause}: an accepted profile`);
    t.equal(control.settled(state), afterSettled, `${cause}: its sessions ended`);
  }
  t.equal(control.accepted(undefined), undefined, 'controlled stays controlled');
});

t.test('an overdraw or the quirk is not turned into a refusal (it would end on the next accepted profile)', async (t) => {
  const ignores = control.overdrew(undefined, 'draws 16 A with a limit of 10 A', 5);
  t.equal(control.refused(ignores, 'answered Rejected', 10, P), ignores);
  t.equal(control.refused(control.noSmartCharging(), 'x', 10, P).cause, 'quirk');
  t.notOk(control.mayTry(ignores, Infinity), 'a charger that ignores its limits is not written to again');
  t.notOk(control.mayTry(control.noSmartCharging(), Infinity), 'nor one without smart charging');
  t.ok(control.mayTry(undefined, 0), 'a controlled charger always');
});

t.test('a disconnect or a reboot ends a refusal, except one that dropped the connection instead of answering', async (t) => {
  const silent = control.refused(undefined, 'no answer in 30 s', 0, P);
  const drops = control.refused(undefined, 'the connection dropped before it answered', 0, P, true);
  t.equal(control.reconnected(silent), undefined, 'a silent charger that comes back is tried afresh');
  t.equal(control.reconnected(control.overdrew(undefined, 'draws 16 A', 0)), undefined);
  t.equal(control.reconnected(drops), drops, 'one that drops on every profile keeps its back-off');
  t.equal(control.reconnected(control.refused(drops, 'answered Rejected', 20_000, P)), undefined, 'until it refuses in another way');
  t.equal(control.reconnected(control.noSmartCharging())?.cause, 'quirk');
});
