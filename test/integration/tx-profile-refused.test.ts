/**
 * A charger that took TxProfiles for a transaction, then refuses one (its profile store full, a
 * flash that refuses writes, a firmware hiccup). The TxDefaultProfile then carries the limit
 * (OCPP 1.6 §3.13.2), but the TxProfile it accepted before is still installed, and a TxProfile
 * outranks a TxDefaultProfile: a cut sent as a TxDefaultProfile changes nothing at the car.
 *
 * Real parts: the gateway, two independent ocpp-rpc chargers (test/helpers/physical-charger.ts)
 * that follow the profiles they installed, per OCPP 1.6's rules, and report every second; no
 * grid meter: the fuse rests on the limits alone. The fuse is checked from the chargers' own
 * clamp-meter currents.
 *
 * The balancer sends a charger's limits again whenever it can no longer be sure of them (a boot,
 * someone else's ClearChargingProfile, a quirk that changed), and forgets them to do so; the
 * charger does not forget the TxProfile it took. The last two tests make it forget first.
 */
import t, { type Test } from 'tap';
import { capturingLogger, eventually, type RunningGateway } from '../helpers/gateway.js';
import type { PhysicalCharger } from '../helpers/physical-charger.js';
import { FUSE, moreReadings, startCharging, twoChargerSite, watchSum } from '../helpers/two-chargers.js';

/** The two-charger site (test/helpers/two-chargers.ts), CP1 charging alone at the whole fuse by its TxProfile. */
async function siteWithCp1AtTheFuse(t: Test) {
  const log = capturingLogger('info');
  const { gw, cp1, cp2 } = await twoChargerSite(t, { logger: log.logger });
  await startCharging(cp1, 'TAG1');
  await eventually(() => cp1.currentA(1) === FUSE, 'CP1 alone at the whole fuse, by its TxProfile', 30_000);
  return { log, gw, cp1, cp2 };
}

for (const clears of [true, false]) {
  t.test(`a charger that refuses a TxProfile after it took one for the same transaction, ${clears ? 'and clears the old one' : 'and will not clear the old one either'}: the fuse holds`, async (t) => {
    const { log, gw, cp1, cp2 } = await siteWithCp1AtTheFuse(t);

    // From now on CP1 refuses TxProfiles; its TxProfile of 32 A stays installed.
    cp1.refuseProfile = (p) => p.chargingProfilePurpose === 'TxProfile';
    cp1.refuseClear = !clears;
    const sum = watchSum(t, cp1, cp2);
    await startCharging(cp2, 'TAG2');
    if (clears) await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
    else await eventually(() => log.entries().some((e) => /not cleared/.test(String(e.why))), 'CP1 counted as not controlled', 30_000);
    await moreReadings(gw, 6);
    sum.stop();
    t.ok(sum.worst() <= FUSE + 1e-9, `every phase within the ${FUSE} A fuse: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
    const asked = log.entries().filter((e) => /outranks the TxDefaultProfile/.test(String(e.msg)));
    t.ok(asked.length >= 1, 'the log says why the old TxProfile is cleared');
    if (!clears) t.equal(cp2.currentA(1), 0, 'CP1 counted at its 32 A: CP2 waits');
  });
}

const forgetting: Record<string, (gw: RunningGateway, cp1: PhysicalCharger) => Promise<unknown>> = {
  // The cloud (or MQTT, HTTP) clears a profile of its own: the balancer cannot tell what went, and sends every limit again.
  "someone else's ClearChargingProfile of another profile": (gw) => gw.app.gateway.commands.ClearChargingProfile('CP1', { id: 1 }),
  // A charger whose communication module restarts: it boots again and keeps its transaction and its profiles.
  'a BootNotification that keeps its transaction': (_gw, cp1) => cp1.boot(),
};

for (const [what, forget] of Object.entries(forgetting)) {
  t.test(`the balancer forgot that CP1 took a TxProfile (${what}), then CP1 refuses the next one: the old one is still cleared and the fuse holds`, async (t) => {
    const { log, gw, cp1, cp2 } = await siteWithCp1AtTheFuse(t);
    cp1.refuseProfile = (p) => p.chargingProfilePurpose === 'TxProfile';
    const sum = watchSum(t, cp1, cp2);
    await forget(gw, cp1);
    // Its limits sent again: the TxProfile refused, the TxDefaultProfile carries the limit.
    await eventually(() => log.entries().some((e) => /^TxProfile refused/.test(String(e.msg))), 'CP1 refuses the TxProfile sent again', 30_000);
    await startCharging(cp2, 'TAG2');
    await moreReadings(gw, 6);
    sum.stop();
    t.ok(sum.worst() <= FUSE + 1e-9, `every phase within the ${FUSE} A fuse: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
    await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
    t.notOk(cp1.profiles().some((i) => i.profile.chargingProfilePurpose === 'TxProfile'), 'CP1 holds no TxProfile any more');
    t.ok(log.entries().some((e) => /outranks the TxDefaultProfile/.test(String(e.msg))), 'the log says why the old TxProfile was cleared');
  });
}
