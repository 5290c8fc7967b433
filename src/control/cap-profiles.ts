/**
 * A local user's cap as the charger's own charging profile, for a site without a `site:`
 * section (no load balancer to follow it). Pure.
 *
 * - A whole-charger cap is a ChargePointMaxProfile on connector 0 (OCPP 1.6 §3.13.1: it limits
 *   the charge point as a whole); a connector's cap is a TxDefaultProfile on that connector
 *   (§3.13.2; not on connector 0, which would set it for every connector).
 * - Ids and the stack level are the balancer's (balancer/to-profile.ts): a cap set before a
 *   `site:` section was added is replaced by the balancer's profile rather than left beside it.
 * - The schedule is the balancer's too: Absolute from a fixed past instant, one open period,
 *   so a charger with a wrong clock applies it at once.
 * - A 2.0.1 charger gets the same request translated at the edge (ChargingStationMaxProfile,
 *   evseId = connector: src/ocpp/v201/translate/commands.ts).
 */
import { TX_DEFAULT_PROFILE_ID, limitValue } from '../balancer/to-profile.js';
import type { ChargerModel } from '../balancer/model.js';
import type { Requests16 } from '../ocpp/v16/types.js';

/** The whole-charger cap's profile id (the balancer's TxDefaultProfile ids are 7100 + connector). */
export const CHARGER_CAP_PROFILE_ID = 7000;
/** site.balancing.stackLevel's default: the level the balancer would use. */
export const CAP_STACK_LEVEL = 1;
/** Volts per phase for a charger that takes W only (no site: no supply voltage configured). */
export const CAP_VOLTAGE = 230;
const SCHEDULE_START = '2020-01-01T00:00:00.000Z';

export function capProfileId(connectorId: number): number {
  return connectorId === 0 ? CHARGER_CAP_PROFILE_ID : TX_DEFAULT_PROFILE_ID + connectorId;
}

/** The SetChargingProfile that holds the charger (connectorId 0) or one connector at `amps` per phase. */
export function capProfile(connectorId: number, amps: number, charger: ChargerModel): Requests16['SetChargingProfile'] {
  const value = limitValue(amps, charger.phases, charger, CAP_VOLTAGE);
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: capProfileId(connectorId),
      stackLevel: charger.quirks.stackLevelZeroOnly ? 0 : CAP_STACK_LEVEL,
      chargingProfilePurpose: connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        startSchedule: SCHEDULE_START,
        chargingRateUnit: value.unit,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: value.limit, ...(value.numberPhases !== undefined ? { numberPhases: value.numberPhases } : {}) }],
      },
    },
  };
}

/** The ClearChargingProfile that removes a cap (by its id: nobody else's profile goes with it, §5.5). */
export function capClear(connectorId: number): Requests16['ClearChargingProfile'] {
  return { id: capProfileId(connectorId) };
}

/**
 * What a connector may draw under the caps (A per phase, the lowest of its own and the
 * charger's), or undefined when neither is capped.
 */
export function connectorCap(caps: ReadonlyMap<number, number>, connectorId: number): number | undefined {
  const found = [caps.get(0), caps.get(connectorId)].filter((a): a is number => a !== undefined);
  return found.length === 0 ? undefined : Math.min(...found);
}
