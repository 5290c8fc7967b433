/**
 * Aggregate mode: the cloud's ChargePointMaxProfile on connector 0 limits the whole charge
 * point, i.e. the site (OCPP 1.6 §3.13.1, §3.13.4 "Local Smart Charging"). With a load balancer
 * it becomes an external site limit (the period in force now, in A per phase).
 */
import type { Config } from '../config/schema.js';
import type { SetChargingProfileRequest } from '../ocpp/v16/types.js';
import type { SiteLimitSink } from './cloud-calls.js';

type Profile = SetChargingProfileRequest['csChargingProfiles'];

/** The limit of the period in force at `now`, in A per phase; undefined when none is. */
export function currentLimitA(profile: Profile, now: Date, voltage: number, phases: number): number | undefined {
  const schedule = profile.chargingSchedule;
  const start = schedule.startSchedule ? Date.parse(schedule.startSchedule) : now.getTime();
  const elapsedS = (now.getTime() - start) / 1000;
  if (elapsedS < 0 || (schedule.duration !== undefined && elapsedS > schedule.duration)) return undefined;
  let period: (typeof schedule.chargingSchedulePeriod)[number] | undefined;
  for (const p of schedule.chargingSchedulePeriod) if (p.startPeriod <= elapsedS) period = p;
  if (!period) return undefined;
  return schedule.chargingRateUnit === 'A' ? period.limit : period.limit / (voltage * (period.numberPhases ?? phases));
}

/** Hands the profile to the balancer; false when there is none (the caller then forwards it). */
export function siteLimitFromProfile(profile: Profile, config: Config, now: Date, balancer: SiteLimitSink | undefined): boolean {
  if (!balancer) return false;
  const supply = config.site?.supply;
  const amps = currentLimitA(profile, now, supply?.voltage ?? 230, supply?.phases ?? 3);
  const until = profile.validTo ? Date.parse(profile.validTo) : undefined;
  return balancer.setExternalLimit('cloud', amps === undefined ? null : Math.round(amps * 10) / 10, until).accepted;
}
