/**
 * A car draws on a connector that has no transaction: a charger in free-vend mode that runs
 * none, or a faulty one that sent its StopTransaction and kept its contactor closed. 1.6 gives
 * the TxDefaultProfile to transactions (§3.13.2), so such a charger may follow no limit of ours.
 * The plan counted the connector at its standing share (an idle connector's) and gave the rest
 * to a neighbour: 64 A on the 32 A fuse.
 *
 * Now a connector without a session whose readings (naming no transaction) show it above its
 * standing limit is counted at its maximum while they do. One that follows its standing limit
 * stays an idle connector: cut like one, never counted at its maximum.
 *
 * Real parts: the gateway and two independent ocpp-rpc chargers that follow the profiles they
 * installed (test/helpers/physical-charger.ts); the fuse is checked from their clamp currents.
 */
import t, { type Test } from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { eventually } from '../helpers/gateway.js';
import { FUSE, moreReadings, startCharging, twoChargerSite, watchSum } from '../helpers/two-chargers.js';

type ConnectorView = AllocationChanged['connectors'][number];
type Site = Awaited<ReturnType<typeof twoChargerSite>>;

/** The latest allocation of each connector, by `${chargerId}/${connectorId}`. */
function allocations(gw: Site['gw']): Map<string, ConnectorView> {
  const latest = new Map<string, ConnectorView>();
  gw.app.events.on('allocation.changed', (e) => {
    for (const c of e.connectors) latest.set(`${c.chargerId}/${c.connectorId}`, c);
  });
  return latest;
}

const fixedWithoutTransaction = (c: ConnectorView | undefined) => c?.reason === 'fixed' && /without a transaction/.test(c.detail);

/**
 * CP2 starts while CP1's car draws 32 A without a transaction, following no limit: CP2 gets its
 * TxProfile, six more readings come, and the fuse held all along; CP1 is shown counted so.
 */
async function cp2StartsBesideIt(t: Test, site: Site, latest: Map<string, ConnectorView>): Promise<void> {
  const { gw, cp1, cp2 } = site;
  const sum = watchSum(t, cp1, cp2);
  await startCharging(cp2, 'TAG2');
  await eventually(() => cp2.profiles().some((p) => p.profile.chargingProfilePurpose === 'TxProfile'), 'CP2 got its TxProfile', 30_000);
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A`);
  t.equal(cp1.currentA(1), 32, 'CP1 draws on, as it does');
  t.equal(cp2.currentA(1), 0, 'CP2 waits: nothing is left');
  t.ok(fixedWithoutTransaction(latest.get('CP1/1')), 'CP1 is shown as drawing without a transaction');
}

t.test('a free-vend charger whose car ignores every profile is counted at its maximum: its neighbour waits, the fuse holds', async (t) => {
  const site = await twoChargerSite(t);
  const { gw, cp1 } = site;
  const latest = allocations(gw);
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  cp1.drawWithoutTransaction(1, 'ignoresProfiles');
  await eventually(() => cp1.currentA(1) === 32, 'CP1 draws 32 A', 30_000);
  await moreReadings(gw, 2);
  await cp2StartsBesideIt(t, site, latest);
  t.match(latest.get('CP1/1')?.detail, /draws 32 A without a transaction.*assumed at 32 A/, 'the reason says what it draws and what it is counted at');
});

t.test('a charger that reports its StopTransaction but keeps drawing is counted at its maximum from its first reading after the stop', async (t) => {
  const site = await twoChargerSite(t);
  const { gw, cp1, cp2 } = site;
  const latest = allocations(gw);
  await startCharging(cp1, 'TAG1');
  await eventually(() => cp1.currentA(1) === FUSE, 'CP1 alone at the whole fuse', 30_000);
  await cp1.stopTransaction(1, 'Local', 'ignoresProfiles');
  // Nothing but its readings tells: it is counted from the first one read `responseTime` after the stop.
  await moreReadings(gw, 2);
  await cp2StartsBesideIt(t, site, latest);

  // The car stops at last: CP1 is an idle connector again, and CP2 gets the fuse.
  await cp1.unplug(1);
  await eventually(() => cp2.currentA(1) === FUSE, 'CP2 at the whole fuse once CP1 stopped drawing', 30_000);
  t.notOk(fixedWithoutTransaction(latest.get('CP1/1')), 'CP1 no longer counted at its maximum');
});

t.test('a free-vend charger that follows its standing limit stays an idle connector: cut for its neighbour, never counted at its maximum', async (t) => {
  const { gw, cp1, cp2 } = await twoChargerSite(t);
  const latest = allocations(gw);
  const counted: string[] = [];
  gw.app.events.on('allocation.changed', (e) => {
    for (const c of e.connectors) if (c.chargerId === 'CP1' && fixedWithoutTransaction(c)) counted.push(c.detail);
  });
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  cp1.drawWithoutTransaction(1, 'followsDefault');
  await eventually(() => cp1.currentA(1) > 0 && latest.get('CP1/1')?.reason === 'standby', 'CP1 draws under its standing limit', 30_000);
  await moreReadings(gw, 3);

  const sum = watchSum(t, cp1, cp2);
  await startCharging(cp2, 'TAG2');
  await eventually(() => cp2.currentA(1) === FUSE && cp1.currentA(1) === 0, 'CP2 at the whole fuse, CP1 cut to its standing 0 A', 60_000);
  await moreReadings(gw, 3);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A`);
  t.same(counted, [], 'CP1 was never counted at its maximum');
});
