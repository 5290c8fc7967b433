/**
 * Someone sends a charger calls faster than it answers them: a cloud that reads every
 * configuration key one call at a time, an MQTT user or a script that loops. A charger takes one
 * CALL at a time (OCPP-J 1.6 §4.1.1), so they queue on its connection, and the balancer's limits
 * used to queue behind them: a cut waited for every call before it.
 *
 * - The balancer's limits go ahead of everything queued (still after the one call outstanding).
 * - At most MAX_QUEUED_CALLS wait on a connection; beyond, a call fails at once with a
 *   GenericError, so a flood neither grows the gateway's memory without end nor delays for ever
 *   the callers that come after it.
 *
 * Real parts: the gateway and two independent ocpp-rpc chargers that follow the profiles they
 * installed (test/helpers/physical-charger.ts); CP1 answers each GetConfiguration after 200 ms.
 */
import t from 'tap';
import { OcppCallError } from '../../src/ocpp/errors.js';
import { MAX_QUEUED_CALLS } from '../../src/ocpp/session.js';
import { eventually } from '../helpers/gateway.js';
import { FUSE, startCharging, twoChargerSite, watchSum } from '../helpers/two-chargers.js';

const ANSWER_MS = 200;

t.test(`a cut overtakes ${MAX_QUEUED_CALLS} slow calls queued for the charger; more are refused at once; the fuse holds`, async (t) => {
  const { gw, cp1, cp2 } = await twoChargerSite(t, { callTimeout: 600 });
  let answered = 0;
  cp1.client.handle('GetConfiguration', async () => {
    await new Promise((r) => setTimeout(r, ANSWER_MS));
    answered++;
    return { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] };
  });
  await startCharging(cp1, 'TAG1');
  await eventually(() => cp1.currentA(1) === FUSE, 'CP1 alone at the whole fuse', 30_000);

  // The flood: one outstanding, MAX_QUEUED_CALLS waiting, 20 more refused (at least: a limit
  // of the balancer's may be the one outstanding).
  const flood = Array.from({ length: MAX_QUEUED_CALLS + 1 + 20 }, () => gw.app.gateway.commands.send('CP1', 'GetConfiguration', {}).then(() => 'answered', (e: unknown) => e));
  const refused = await Promise.all(flood.slice(-20));
  t.ok(
    refused.every((e) => e instanceof OcppCallError && e.code === 'GenericError' && /calls already wait/.test(e.description)),
    `the 20 beyond ${MAX_QUEUED_CALLS} waiting are refused at once with a GenericError`,
  );
  t.ok(answered < 5, `refused before the charger answered more than a few (${answered})`);

  const sum = watchSum(t, cp1, cp2);
  let answeredAtCut: number | undefined;
  cp1.on('profile', (p) => {
    if (answeredAtCut === undefined && p.status === 'Accepted' && p.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit < FUSE) answeredAtCut = answered;
  });
  await startCharging(cp2, 'TAG2');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 60_000);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A`);
  t.ok(answeredAtCut !== undefined && answeredAtCut < MAX_QUEUED_CALLS / 2, `CP1 was cut with ${answeredAtCut} of the ${MAX_QUEUED_CALLS + 1} queued GetConfiguration answered: the cut went ahead of them`);
  // One more is refused when a limit of the balancer's was outstanding as the flood came: then
  // the first GetConfiguration waited too.
  const results = await Promise.all(flood);
  const busy = results.filter((r) => r instanceof OcppCallError && r.code === 'GenericError').length;
  t.ok(busy === 20 || busy === 21, `${busy} refused as beyond the bound`);
  t.equal(results.filter((r) => r === 'answered').length, flood.length - busy, 'every call that was queued was answered in the end');
});
