/**
 * Two strict ocpp-rpc chargers of different protocols, as a mixed site has them: CP1 speaking
 * OCPP 2.0.1, CP2 speaking 1.6 (the test's config says what each is wired to). Each keeps the
 * profile it was sent last per purpose and holds its car to the TxProfile, else the
 * TxDefaultProfile; both are booted and their connector occupied, no transaction yet.
 */
import type { Test } from 'tap';
import { PASSWORDS } from './gateway.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201, type RpcClient } from './rpc-charger.js';

export interface Held { limit: number; phases: number }
export type PairId = 'CP1' | 'CP2';

export interface MixedPair {
  cp1: RpcClient;
  cp2: RpcClient;
  held: Record<PairId, { tx?: Held; standing?: Held }>;
  /** What the charger holds its car to now: its TxProfile, else its TxDefaultProfile. */
  holds: (id: PairId) => Held | undefined;
}

/** `onProfile` runs after every profile either charger takes (to check the fuse at each change). */
export async function mixedPair(t: Test, url: string, onProfile: (holds: MixedPair['holds']) => void = () => undefined): Promise<MixedPair> {
  const now = () => new Date().toISOString();
  const held: MixedPair['held'] = { CP1: {}, CP2: {} };
  const holds = (id: PairId) => held[id].tx ?? held[id].standing;
  const cp1 = await rpcCharger201(t, url, 'CP1', PASSWORDS.CP1);
  cp1.handle('SetChargingProfile', ({ params }) => {
    const p = params.chargingProfile;
    const period = p.chargingSchedule[0].chargingSchedulePeriod[0];
    held.CP1[p.chargingProfilePurpose === 'TxProfile' ? 'tx' : 'standing'] = { limit: period.limit, phases: period.numberPhases ?? 3 };
    onProfile(holds);
    return { status: 'Accepted' };
  });
  const cp2 = await rpcCharger(t, url, 'CP2', PASSWORDS.CP2);
  cp2.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    held.CP2[p.chargingProfilePurpose === 'TxProfile' ? 'tx' : 'standing'] = { limit: p.chargingSchedule.chargingSchedulePeriod[0].limit, phases: 1 };
    onProfile(holds);
    return { status: 'Accepted' };
  });
  for (const cp of [cp1, cp2]) cp.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
  await cp1.call('BootNotification', boot201);
  await cp1.call('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  await cp2.call('BootNotification', bootPayload);
  await cp2.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
  return { cp1, cp2, held, holds };
}
