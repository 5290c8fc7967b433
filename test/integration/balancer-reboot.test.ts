/**
 * A charger reboots and its charging profiles are gone (it kept them in RAM, not in flash; the
 * balancer allows for it: after a BootNotification everything is sent afresh). Until it accepts a limit sent after its
 * boot, nothing chargegate knows limits it: a car that starts charging on it may draw the
 * charger's maximum. Seen in review: the balancer forgot the limits in force at the boot, but
 * still counted the charger at the limit it had accepted before (kept for chargegate's own
 * restarts), so a charger that then answered no SetChargingProfile carried its maximum beside a
 * neighbour that kept its share, until the call timed out (ocpp.callTimeout, 30 s by default):
 * 48 A on a 32 A fuse here, and a meter that reports energy alone (1.6's default
 * MeterValuesSampledData) never shows the overdraw.
 *
 * Real parts: the gateway, two independent ocpp-rpc chargers (test/helpers/physical-charger.ts)
 * that follow the profiles they hold and report every second; no grid meter: the fuse rests on
 * the limits alone, checked from the chargers' clamp currents. Three chargers' ways after the
 * reboot: one that never answers a limit, one that answers late (within the call timeout), one
 * that answers at once.
 */
import t from 'tap';
import { eventually } from '../helpers/gateway.js';
import type { RunningGateway } from '../helpers/gateway.js';
import { FUSE, moreReadings, startCharging, twoChargerSite, watchSum } from '../helpers/two-chargers.js';

/** The limits the balancer keeps for its own restarts (it writes them at most once a second). */
const kept = (gw: RunningGateway) => JSON.parse(gw.app.store.meta.get('balancer.acceptedLimits') ?? '{}') as Record<string, number>;

t.test('CP1 reboots without its profiles and answers no limit after it: its new session counts at its maximum, CP2 makes room, the fuse holds', async (t) => {
  // A call timeout longer than the test: the fuse must not wait for CP1 to be given up on.
  const { gw, cp1, cp2 } = await twoChargerSite(t, { callTimeout: 600, cp1Charger: { currentReport: 'none' } });
  await startCharging(cp1, 'TAG1');
  await startCharging(cp2, 'TAG2');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
  // The balancer keeps what CP1 accepted (it writes it at most once a second): waited for, not timed.
  await eventually(() => kept(gw)['CP1/1'] !== undefined, 'the balancer to keep what CP1 accepted', 20_000);
  t.equal(kept(gw)['CP1/1'], 16, "CP1's accepted 16 A kept for a restart of the gateway");

  // From its reboot on, CP1 takes every SetChargingProfile and answers none (a hung firmware).
  let held = 0;
  cp1.holdProfile = () => {
    held++;
    return new Promise<void>(() => undefined);
  };
  await cp1.reboot();
  t.same(cp1.profiles(), [], 'CP1 holds no profile after its reboot');
  await startCharging(cp1, 'TAG1');
  t.equal(cp1.currentA(1), 32, 'its car draws the charger maximum: nothing limits it');

  await eventually(() => cp1.currentA(1) + cp2.currentA(1) <= FUSE, 'CP2 cut to make room for CP1 at its maximum', 20_000);
  const sum = watchSum(t, cp1, cp2);
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `every phase within the ${FUSE} A fuse from then on: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
  await eventually(() => kept(gw)['CP1/1'] === undefined, "CP1's old limit no longer kept for a restart of the gateway", 20_000);
  t.ok(held > 0, `CP1 was sent limits after its boot and answered none of them (${held} held)`);
  t.equal(cp1.currentA(1), 32, 'CP1 still unlimited: the room was made by its neighbour');
  t.same(cp1.validationFailures, [], "every frame passed ocpp-rpc's schema check");
});

t.test('CP1 reboots without its profiles and answers its limits late, within the call timeout: CP2 waits cut until CP1 is limited, then both share again, the fuse held throughout', async (t) => {
  const { gw, cp1, cp2 } = await twoChargerSite(t, { callTimeout: 600, cp1Charger: { currentReport: 'none' } });
  await startCharging(cp1, 'TAG1');
  await startCharging(cp2, 'TAG2');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
  // As above: the reboot comes after the balancer kept CP1's 16 A for its own restarts.
  await eventually(() => kept(gw)['CP1/1'] === 16, 'the balancer to keep what CP1 accepted', 20_000);

  // From its reboot on, CP1 sits on every SetChargingProfile (a slow flash write) until let go.
  const waiting: (() => void)[] = [];
  cp1.holdProfile = () => new Promise<void>((resolve) => waiting.push(resolve));
  await cp1.reboot();
  await startCharging(cp1, 'TAG1');
  t.equal(cp1.currentA(1), 32, 'its car draws the charger maximum while no limit is in force');
  await eventually(() => cp1.currentA(1) + cp2.currentA(1) <= FUSE, 'CP2 cut to make room for CP1 at its maximum', 20_000);
  const sum = watchSum(t, cp1, cp2);
  await moreReadings(gw, 4);
  t.ok(waiting.length > 0, 'a limit was sent to CP1 after its boot and is still unanswered');
  t.equal(cp1.currentA(1), 32, 'CP1 still at its maximum while its answer is late');

  // The late answers come, one by one, as the gateway sends them (one CALL at a time).
  cp1.holdProfile = undefined;
  for (const resolve of waiting.splice(0)) resolve();
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'both at 16 A again once CP1 took its limit', 30_000);
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `every phase within the ${FUSE} A fuse from the reboot's session on, the late answers included: worst ${sum.worst()} A`);
  t.same(cp1.validationFailures, [], "every frame passed ocpp-rpc's schema check");
});

t.test('CP1 reboots without its profiles and answers as before: it is limited again before its new session, and CP2 keeps its share', async (t) => {
  const { gw, cp1, cp2 } = await twoChargerSite(t);
  await startCharging(cp1, 'TAG1');
  await startCharging(cp2, 'TAG2');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
  await moreReadings(gw, 6);

  await cp1.reboot();
  // Everything is sent afresh after a boot: the standing limit of its idle connector first.
  await eventually(() => cp1.profiles().some((i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile'), 'CP1 given its standing limit again after the boot', 30_000);
  const sum = watchSum(t, cp1, cp2);
  await startCharging(cp1, 'TAG1');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared again: 16 A each', 30_000);
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `every phase within the ${FUSE} A fuse from CP1's new session on: worst ${sum.worst()} A`);
  t.same(cp1.validationFailures, [], "every frame passed ocpp-rpc's schema check");
});
