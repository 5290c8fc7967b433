/**
 * A ClearChargingProfile reaches a charger while a limit of chargegate's is on its way to it.
 * (While the balancer runs, a user's or the cloud's clear is kept as a cap and never reaches a
 * charger; chargegate's own clear of a stale TxProfile does, and any command sent through the
 * gateway's command interface, as here.) OCPP-J sends one CALL at a time, so the clear waits
 * behind the limit: the charger takes the limit, answers, and the clear then removes it with
 * the rest. The balancer must send the limit again, though its answer said Accepted (seen: the
 * answer restored what the clear made unsure, nothing went out again, and the charger was left
 * without a limit while the plan counted it at one), and must not raise a neighbour until the
 * charger has taken a limit sent after the clear.
 *
 * Real parts: the gateway, two independent ocpp-rpc chargers (test/helpers/physical-charger.ts)
 * that follow the profiles they installed and report every second; no grid meter: the fuse
 * rests on the limits alone, checked from the chargers' clamp currents and the limits they hold.
 */
import t from 'tap';
import { capturingLogger, eventually } from '../helpers/gateway.js';
import type { Profile } from '../helpers/physical-charger.js';
import { FUSE, moreReadings, startCharging, twoChargerSite, watchSum } from '../helpers/two-chargers.js';

/** The first period's limit of a profile, A (the test site's profiles are in amperes). */
const limitOf = (p: Profile) => p.chargingSchedule.chargingSchedulePeriod[0]!.limit;

t.test("every profile of CP1 cleared while its cut is on its way: the cut is sent again, and the fuse holds", async (t) => {
  const log = capturingLogger('info');
  const { gw, cp1, cp2 } = await twoChargerSite(t, { logger: log.logger });
  await startCharging(cp1, 'TAG1');
  const txProfileOf = (p: Profile) => p.chargingProfilePurpose === 'TxProfile';
  await eventually(() => cp1.currentA(1) === FUSE && cp1.profiles().some((i) => txProfileOf(i.profile) && limitOf(i.profile) === FUSE), 'CP1 alone at the whole fuse, by its TxProfile', 30_000);

  // CP1 holds its answer to the first cut (a slow flash write) until the clear is queued behind it.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held: Profile | undefined;
  cp1.holdProfile = (p) => {
    if (held || !txProfileOf(p) || limitOf(p) >= FUSE) return undefined;
    held = p;
    return released;
  };
  const sum = watchSum(t, cp1, cp2);
  // What the chargers allow, at every profile either takes and after the clear: a neighbour
  // raised while CP1 holds no limit shows here whenever it happens, however briefly.
  let worstLimits = 0;
  const limitsNow = () => void (worstLimits = Math.max(worstLimits, cp1.limitA(1) + cp2.limitA(1)));
  for (const cp of [cp1, cp2]) cp.on('profile', limitsNow);
  cp1.on('call', limitsNow);
  await startCharging(cp2, 'TAG2');
  await eventually(() => held !== undefined, "CP1's cut on its way, its answer held", 30_000);
  t.equal(limitOf(held!), 16, 'the cut: half the fuse');
  // Queued behind the cut on CP1's connection (nothing of chargegate's own).
  const clearing = gw.app.gateway.commands.ClearChargingProfile('CP1', {});
  release();
  t.same(await clearing, { status: 'Accepted' }, 'every profile of CP1 cleared, the cut it had just taken among them');

  await eventually(() => cp1.limitA(1) === 16, "CP1's cut sent again after the clear", 30_000);
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `every phase within the ${FUSE} A fuse: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
  t.ok(worstLimits <= FUSE, `CP2 raised only once CP1 took its cut again: the limits held never above the fuse (worst ${worstLimits} A)`);
  t.ok(log.entries().some((e) => /ClearChargingProfile sent to the charger/.test(String(e.msg))), 'the log says why the limits went out again');
  t.same(cp1.validationFailures, [], "every frame passed ocpp-rpc's schema check");
});
