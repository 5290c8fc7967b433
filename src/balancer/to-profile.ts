/**
 * An allocation → the OCPP 1.6 SetChargingProfile requests (§5.16, §3.13) that put it in force
 * on one connector. Pure.
 *
 * - A TxDefaultProfile on the connector (not on connector 0: that would apply to every
 *   connector) is the standing limit: it stays in force when chargegate is gone, so the sum of
 *   the standing limits is what protects the fuse then (allocate() keeps that sum within the
 *   supply).
 * - A TxProfile for a running transaction, where supported, carries its live limit (it
 *   outranks any TxDefault, also one a cloud installed, §3.13.2). The TxDefaultProfile under
 *   it then only says what the next session on the connector gets should chargegate be gone
 *   when this one ends. It stays what it was (the connector's standing share when the car
 *   arrived: what an idle connector gets) as long as that is not above the live limit (the
 *   standing sum); else it comes down to the lower of the car's minimum and the live limit. It
 *   never rises while the session runs. A start or a change of a running session's limit is
 *   then one profile, not two, and a new session's neighbours are slowed in one round trip.
 * - Without a TxProfile (none supported, or no transactionId yet) the TxDefaultProfile carries
 *   the live limit.
 * - Schedules are Absolute from a fixed instant in the past with one open-ended period: a
 *   charger whose clock is wrong still applies them at once (a startSchedule "now" in a slow
 *   charger's future would leave it without a limit until then).
 */
import type { SetChargingProfileRequest } from '../ocpp/v16/types.js';
import type { ChargerModel, ConnectorAllocation } from './model.js';

export type ChargingProfile = SetChargingProfileRequest['csChargingProfiles'];

/** Our profile ids: fixed per connector and purpose, so a resend replaces rather than adds. */
export const TX_DEFAULT_PROFILE_ID = 7100;
export const TX_PROFILE_ID = 7200;
const SCHEDULE_START = '2020-01-01T00:00:00.000Z';

export interface ProfileOptions {
  voltage: number;
  /** balancing.stackLevel; chargers with quirks.stackLevelZeroOnly get 0. */
  stackLevel: number;
  /** The running transaction's id (undefined until StartTransaction was answered). */
  transactionId?: number;
  /** The connector's TxDefaultProfile limit in force, A (undefined: none known). */
  txDefaultInForce?: number;
}

export interface ConnectorOrders {
  /** In the order to send them. */
  profiles: SetChargingProfileRequest[];
  /** noZeroAmps chargers pause through ChangeAvailability (§5.2) instead of a 0 A limit. */
  availability?: 'Operative' | 'Inoperative';
  /** The limit the connector should end up with, A per phase. */
  amps: number;
  /** Its TxDefaultProfile limit once the profiles are in, A (undefined: left as it is). */
  txDefaultAmps?: number;
}

/**
 * The TxDefaultProfile limit under a running session's TxProfile: the one in force while it is
 * not above the live limit, else the lower of the car's minimum and the live limit.
 */
export function standingUnderTx(live: number, minCurrent: number, inForce: number | undefined): number {
  return inForce !== undefined && inForce <= live ? inForce : Math.min(live, minCurrent);
}

/** The value of a limit in the charger's unit: A per phase, or W for all phases together (§3.13.1). */
export function limitValue(amps: number, phases: number, charger: ChargerModel, voltage: number): { unit: 'A' | 'W'; limit: number; numberPhases?: number } {
  if (!charger.quirks.wattsOnly) return { unit: 'A', limit: tenth(amps) };
  // W is total power: the charger divides it by the phases the car uses. Too many phases
  // assumed would let a 1-phase car draw several times the current on its one phase.
  return { unit: 'W', limit: tenth(amps * voltage * phases), numberPhases: phases };
}

export function ordersFor(a: ConnectorAllocation, charger: ChargerModel, options: ProfileOptions): ConnectorOrders {
  const stackLevel = charger.quirks.stackLevelZeroOnly ? 0 : options.stackLevel;
  const pauseByAvailability = charger.quirks.noZeroAmps && a.active && a.amps === 0;
  // W limits assume one phase until the car's currents showed its phases: a 1-phase car
  // given a 3-phase W limit would draw three times the current on its phase.
  // A switched charger's car draws on the phases it was switched to (W: the total for them).
  const knownPhases = a.phasesSwitched ?? (a.phasesMeasured || a.phasesDeclared || charger.phases === 1 ? a.phases.length : 1);
  // Fewer phases reserved than wired because the car said so: the profile names them (§7.13
  // numberPhases, 2.0.1 K01), so the charger holds the car to the phases the plan counted.
  // Phase switching names them both ways: 1 switches the charger down, 3 back up.
  const named = (v: ReturnType<typeof limitValue>) => (a.phasesSwitched !== undefined ? { ...v, numberPhases: a.phasesSwitched } : a.phasesDeclared ? { ...v, numberPhases: a.phases.length } : v);
  const profiles: SetChargingProfileRequest[] = [];
  if (pauseByAvailability) {
    return { profiles, availability: 'Inoperative', amps: 0 };
  }
  // The standing limit names no phases under a TxProfile: it is the next car's.
  const standing = (amps: number, live = false) => request(a.connectorId, TX_DEFAULT_PROFILE_ID + a.connectorId, 'TxDefaultProfile', stackLevel, (live ? named : (v: ReturnType<typeof limitValue>) => v)(limitValue(amps, knownPhases, charger, options.voltage)));
  let txDefaultAmps = a.amps;
  if (a.active && options.transactionId !== undefined && !charger.quirks.noTxProfile) {
    // The live limit first: the car follows it; then the standing one, if it must move.
    const tx = request(a.connectorId, TX_PROFILE_ID + a.connectorId, 'TxProfile', stackLevel, named(limitValue(a.amps, knownPhases, charger, options.voltage)));
    tx.csChargingProfiles.transactionId = options.transactionId;
    profiles.push(tx);
    txDefaultAmps = standingUnderTx(a.amps, charger.minCurrent, options.txDefaultInForce);
    if (txDefaultAmps !== options.txDefaultInForce) profiles.push(standing(txDefaultAmps));
  } else {
    profiles.push(standing(a.amps, true));
  }
  return { profiles, amps: a.amps, txDefaultAmps, ...(charger.quirks.noZeroAmps && a.active ? { availability: 'Operative' as const } : {}) };
}

function request(
  connectorId: number,
  chargingProfileId: number,
  purpose: 'TxDefaultProfile' | 'TxProfile',
  stackLevel: number,
  value: { unit: 'A' | 'W'; limit: number; numberPhases?: number },
): SetChargingProfileRequest {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId,
      stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        startSchedule: SCHEDULE_START,
        chargingRateUnit: value.unit,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: value.limit, ...(value.numberPhases !== undefined ? { numberPhases: value.numberPhases } : {}) }],
      },
    },
  };
}

/** OCPP 1.6 §7.13: a limit is a decimal with at most one digit after the point. */
function tenth(x: number): number {
  return Math.floor(x * 10 + 1e-6) / 10;
}
