/**
 * No charger can hold up another (ARCHITECTURE.md): a charger that never answers its
 * SetChargingProfile keeps its own order in flight until the call times out (60 s here), and
 * meanwhile every other charger gets its limits. Independent chargers on ocpp-rpc (strict).
 * Kills the mutations orders-wait-for-any-in-flight and runs-wait-for-answers.
 */
import t from 'tap';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

t.test("a charger that never answers its limit holds up nobody: the other gets its standing limit, then its session's", async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      // Long enough that the silent charger's order is still in flight when the test ends.
      c.ocpp.callTimeout = 60;
      c.site = { supply: { maxCurrent: 48, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
    },
  });

  // CP1 (3-phase, 16 A) takes every SetChargingProfile and never answers it.
  const unanswered: unknown[] = [];
  const silent = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1, { callTimeoutMs: 70_000 });
  silent.handle('SetChargingProfile', ({ params }) => {
    unanswered.push(params);
    return new Promise(() => undefined);
  });
  await silent.call('BootNotification', bootPayload);
  await silent.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  await eventually(() => unanswered.length > 0, "CP1's first limit sent (and never answered)");

  // CP2 (1-phase, 32 A) answers everything.
  const limits: { purpose: string; limit: number; transactionId?: number }[] = [];
  const other = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  other.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    limits.push({ purpose: p.chargingProfilePurpose, limit: p.chargingSchedule.chargingSchedulePeriod[0].limit, ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}) });
    return { status: 'Accepted' };
  });
  other.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
  await other.call('BootNotification', bootPayload);
  await other.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  await eventually(() => limits.some((l) => l.purpose === 'TxDefaultProfile'), "CP2's standing limit while CP1's order is unanswered");

  const start = await other.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => limits.some((l) => l.purpose === 'TxProfile' && l.transactionId === start.transactionId), "CP2's TxProfile for its session, CP1 still silent");
  // CP1's unanswered 16 A still counts (budget.ts): CP2 on L1 gets the other 32 A of 48 A.
  t.equal(limits.filter((l) => l.purpose === 'TxProfile').at(-1)!.limit, 32, 'CP2 charges at 32 A beside the 16 A CP1 may apply');
  t.equal(unanswered.length, 1, 'CP1 got one order and no second while its first is unanswered');

  // The silent charger goes away: its order fails as offline, and the gateway stops at once.
  await silent.close({ force: true });
});
