/**
 * OCPP 2.0.1 smart-charging messages a charger sends, as the core's facts (src/gateway/
 * charging-needs.ts), and the charger's reports of its installed profiles. Pure: the time of
 * receipt and the voltage are passed in.
 *
 * - NotifyEVChargingNeeds (K15–K17): the car's AC parameters (evMaxCurrent, evMinCurrent, A per
 *   phase; energyAmount, Wh), departureTime and requestedEnergyTransfer (its phases). Answered
 *   Accepted once taken into account (the status says the CSMS could process the message, not
 *   that the needs can be met: 2.0.1 NotifyEVChargingNeedsStatusEnumType); Rejected for EVSE 0,
 *   which is no EVSE a car can be plugged into. Processing is not used: chargegate decides at
 *   once, and its new limit follows as a SetChargingProfile from the balancer. (NoChargingProfile
 *   is OCPP 2.1's, not 2.0.1's.)
 * - NotifyChargingLimit (K12): a limit an EMS or the grid operator set at the charger; its size is
 *   the period of its schedule in force when it arrives (W as A at the nominal voltage over the
 *   period's phases, 3 when absent: K01 numberPhases). ClearedChargingLimit (K13/K14) ends it.
 */
import type { ChargerReportedLimit, EvNeeds } from '../../../store/ports.js';
import type { ChargingScheduleType, Requests201 } from '../types.js';
import type { TranslationNote } from './notes.js';

/** A W limit's current is taken at the nominal voltage (IEC 60038: 230 V). */
export const NOMINAL_VOLTAGE = 230;

const PHASES: Record<string, 1 | 2 | 3 | undefined> = { AC_single_phase: 1, AC_two_phase: 2, AC_three_phase: 3, DC: undefined };

export function evNeedsToCore(req: Requests201['NotifyEVChargingNeeds'], receivedAt: string): { needs?: EvNeeds; status: 'Accepted' | 'Rejected'; notes: TranslationNote[] } {
  if (req.evseId < 1) return { status: 'Rejected', notes: [{ kind: 'lost', path: 'evseId', detail: 'EVSE 0 is the whole charger: no car is plugged into it' }] };
  const needs = req.chargingNeeds;
  const ac = needs.acChargingParameters;
  const dc = needs.dcChargingParameters;
  const phases = PHASES[needs.requestedEnergyTransfer];
  const notes: TranslationNote[] = [];
  if (dc) notes.push({ kind: 'lost', path: 'chargingNeeds.dcChargingParameters', detail: 'DC parameters are shown, not balanced (the balancer shares AC current per phase)' });
  const energyWh = ac?.energyAmount ?? dc?.energyAmount;
  return {
    status: 'Accepted',
    needs: {
      connectorId: req.evseId,
      transfer: needs.requestedEnergyTransfer,
      ...(phases !== undefined ? { phases } : {}),
      ...(ac ? { maxCurrentA: ac.evMaxCurrent, minCurrentA: ac.evMinCurrent } : {}),
      ...(energyWh !== undefined ? { energyWh } : {}),
      ...(needs.departureTime !== undefined ? { departureTime: needs.departureTime } : {}),
      receivedAt,
    },
    notes,
  };
}

/** The limit a schedule sets at `now` (ms), A per phase; null when no period is in force (not started, or over). */
export function scheduleAmpsAt(schedule: ChargingScheduleType, now: number, receivedAt: number, voltage: number): number | null {
  const start = schedule.startSchedule !== undefined ? Date.parse(schedule.startSchedule) : receivedAt;
  const elapsed = (now - (Number.isFinite(start) ? start : receivedAt)) / 1000;
  if (elapsed < 0 || (schedule.duration !== undefined && elapsed >= schedule.duration)) return null;
  let current: (typeof schedule.chargingSchedulePeriod)[number] | undefined;
  for (const p of schedule.chargingSchedulePeriod) if (p.startPeriod <= elapsed && (!current || p.startPeriod >= current.startPeriod)) current = p;
  if (!current) return null;
  const amps = schedule.chargingRateUnit === 'A' ? current.limit : current.limit / (voltage * (current.numberPhases ?? 3));
  return Math.floor(Math.max(0, amps) * 10 + 1e-6) / 10;
}

export function chargingLimitToCore(req: Requests201['NotifyChargingLimit'], receivedAt: string, voltage: number): { limit: ChargerReportedLimit; notes: TranslationNote[] } {
  const at = Date.parse(receivedAt);
  const schedules = req.chargingSchedule ?? [];
  const notes: TranslationNote[] = [];
  if (schedules.length > 1) notes.push({ kind: 'mapped', path: 'chargingSchedule', detail: `${schedules.length} schedules: the lowest limit in force is taken` });
  let amps: number | null = null;
  for (const s of schedules) {
    const a = scheduleAmpsAt(s, at, at, voltage);
    if (a !== null && (amps === null || a < amps)) amps = a;
  }
  if (schedules.some((s) => s.chargingSchedulePeriod.length > 1)) notes.push({ kind: 'mapped', path: 'chargingSchedule.chargingSchedulePeriod', detail: 'the period in force on arrival is taken; a later period applies when the charger reports it again' });
  return {
    limit: {
      connectorId: req.evseId ?? 0,
      source: req.chargingLimit.chargingLimitSource,
      amps,
      ...(req.chargingLimit.isGridCritical !== undefined ? { gridCritical: req.chargingLimit.isGridCritical } : {}),
      receivedAt,
    },
    notes,
  };
}
