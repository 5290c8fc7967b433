/**
 * When and by how much a connector's limit changes on the wire. Pure. A decrease goes out at
 * once (the fuse cannot wait); an increase only when it is worth it (hysteresis) and in steps
 * (ramp), so a car is not thrown between limits, the start/stop flapping users report.
 */
export interface InForce {
  /** The limit the charger accepted last, A. */
  amps: number;
  /** When it last went up (the settle clock for "the car draws less than offered"). */
  raisedAt: number;
  /** When it last changed either way: an increase waits rampInterval after any change. */
  changedAt: number;
  /** The limit before this one, A (undefined: the first). */
  from?: number;
  /** When the charger accepted the limit before this one (draw.ts: what an older reading says of it). */
  fromAcceptedAt?: number;
  /** When the charger accepted it (its car follows from then on, within site.balancing.responseTime). */
  acceptedAt: number;
  /** The connector's TxDefaultProfile limit, A: the live one without a TxProfile, else the standing one under it (to-profile.ts). */
  txDefault?: number;
  /** The transaction whose TxProfile carries this limit (none: only the TxDefaultProfile). */
  txFor?: number;
}

export interface RampSettings {
  hysteresis: number;
  rampStep: number;
  rampIntervalMs: number;
  minCurrent: number;
}

export type Step = { amps: number; kind: 'initial' | 'decrease' | 'increase' };

export function nextStep(target: number, inForce: InForce | undefined, now: number, s: RampSettings): Step | undefined {
  if (!inForce) return { amps: target, kind: 'initial' };
  if (target < inForce.amps) return { amps: target, kind: 'decrease' };
  if (target === inForce.amps) return undefined;
  if (now - inForce.changedAt < s.rampIntervalMs) return undefined;
  if (inForce.amps === 0) return { amps: Math.min(target, Math.max(s.minCurrent, s.rampStep)), kind: 'increase' };
  if (target - inForce.amps < s.hysteresis) return undefined;
  return { amps: Math.min(target, round1(inForce.amps + s.rampStep)), kind: 'increase' };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
