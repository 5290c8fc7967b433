/**
 * Charging profiles, 2.0.1 → 1.6 (K01 ChargingProfileType → 1.6 §7.8 ChargingProfile). Pure.
 * The other way is commands.ts profileTo201.
 */
import type { Requests16 } from '../../v16/types.js';
import type { ChargingProfileType } from '../types.js';
import type { TranslationNote } from './notes.js';

type Profile16 = Requests16['SetChargingProfile']['csChargingProfiles'];

const lost = (path: string, detail: string): TranslationNote => ({ kind: 'lost', path, detail });

/**
 * 2.0.1 K01 ChargingProfileType → 1.6 §7.8: ChargingStationMaxProfile is ChargePointMaxProfile;
 * the first schedule is kept (1.6 has one; 2.0.1's second and third are ISO 15118 offers), its
 * salesTariff and each period's phaseToUse are lost. ChargingStationExternalConstraints has no
 * 1.6 purpose: undefined.
 */
export function profileTo16(p: ChargingProfileType, transactionId: number | undefined, notes: TranslationNote[] = []): Profile16 | undefined {
  if (p.chargingProfilePurpose === 'ChargingStationExternalConstraints') return undefined;
  const s = p.chargingSchedule[0];
  if (p.chargingSchedule.length > 1) notes.push(lost('chargingProfile.chargingSchedule', `${p.chargingSchedule.length - 1} further schedule(s) not kept: 1.6 has one`));
  if (s.salesTariff) notes.push(lost('chargingProfile.chargingSchedule.0.salesTariff', 'no 1.6 field'));
  if (s.chargingSchedulePeriod.some((q) => q.phaseToUse !== undefined)) notes.push(lost('chargingSchedulePeriod.phaseToUse', 'no 1.6 field'));
  return {
    chargingProfileId: p.id,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: p.chargingProfilePurpose === 'ChargingStationMaxProfile' ? 'ChargePointMaxProfile' : p.chargingProfilePurpose,
    chargingProfileKind: p.chargingProfileKind,
    ...(p.recurrencyKind !== undefined ? { recurrencyKind: p.recurrencyKind } : {}),
    ...(p.validFrom !== undefined ? { validFrom: p.validFrom } : {}),
    ...(p.validTo !== undefined ? { validTo: p.validTo } : {}),
    ...(transactionId !== undefined ? { transactionId } : {}),
    chargingSchedule: {
      ...(s.duration !== undefined ? { duration: s.duration } : {}),
      ...(s.startSchedule !== undefined ? { startSchedule: s.startSchedule } : {}),
      chargingRateUnit: s.chargingRateUnit,
      chargingSchedulePeriod: s.chargingSchedulePeriod.map((q) => ({ startPeriod: q.startPeriod, limit: q.limit, ...(q.numberPhases !== undefined ? { numberPhases: q.numberPhases } : {}) })),
      ...(s.minChargingRate !== undefined ? { minChargingRate: s.minChargingRate } : {}),
    },
  };
}
