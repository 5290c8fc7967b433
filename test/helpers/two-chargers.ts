/**
 * The site of the fuse tests of one misbehaving charger: a gateway with a 32 A, 3-phase supply
 * and no grid meter (the fuse rests on the limits alone), a balancer that reacts at once, and
 * two independent 3-phase ocpp-rpc chargers, CP1 and CP2 (test/helpers/physical-charger.ts),
 * that follow the profiles they installed and report every second. The fuse is checked from
 * their own clamp currents (watchSum).
 */
import type { Test } from 'tap';
import type { Logger } from '../../src/log.js';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from './gateway.js';
import { physicalCharger, type PhysicalCharger, type PhysicalChargerOptions } from './physical-charger.js';

export const FUSE = 32;

export interface TwoChargerOptions {
  logger?: Logger;
  /** ocpp.callTimeout, s (default: the test default). */
  callTimeout?: number;
  /** Extra keys of CP1's chargers.list entry (e.g. validation). */
  cp1?: Record<string, unknown>;
  /** Extra site.balancing keys (e.g. retryInterval). */
  balancing?: Record<string, number>;
  /** Extra options of CP1's simulated charger (e.g. currentReport). */
  cp1Charger?: Partial<PhysicalChargerOptions>;
}

export async function twoChargerSite(t: Test, options: TwoChargerOptions = {}): Promise<{ gw: RunningGateway; cp1: PhysicalCharger; cp2: PhysicalCharger }> {
  const gw = await startGateway(t, {
    ...(options.logger ? { logger: options.logger } : {}),
    patch: (c) => {
      if (options.callTimeout !== undefined) c.ocpp.callTimeout = options.callTimeout;
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) => ({ ...x, maxCurrent: 32, phases: 3, phaseRotation: 'L1L2L3', ...(x.id === 'CP1' ? options.cp1 : {}) }));
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: 230 },
        balancing: { responseTime: 0.2, rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2, ...options.balancing },
      };
    },
  });
  const opts = { url: gw.url, phases: 3 as const, maxCurrentA: 32, meterIntervalMs: 1000 };
  const cp1 = await physicalCharger(t, { ...opts, ...options.cp1Charger, identity: 'CP1', password: PASSWORDS.CP1 });
  const cp2 = await physicalCharger(t, { ...opts, identity: 'CP2', password: PASSWORDS.CP2 });
  return { gw, cp1, cp2 };
}

/** A 3-phase car of 32 A on connector 1, charging: its StartTransaction answered. */
export async function startCharging(cp: PhysicalCharger, idTag: string): Promise<void> {
  cp.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp.startTransaction(1, idTag);
}

/** The worst sum of both chargers' currents, sampled every 10 ms until stop(). */
export function watchSum(t: Test, cp1: PhysicalCharger, cp2: PhysicalCharger): { worst: () => number; stop: () => void } {
  let worst = 0;
  const watch = setInterval(() => (worst = Math.max(worst, cp1.currentA(1) + cp2.currentA(1))), 10);
  t.teardown(() => clearInterval(watch));
  return { worst: () => worst, stop: () => clearInterval(watch) };
}

/** Resolves once the gateway has taken `count` more MeterValues (of either charger). */
export async function moreReadings(gw: RunningGateway, count: number): Promise<void> {
  let readings = 0;
  const off = gw.app.events.on('meter.values', () => readings++);
  try {
    await eventually(() => readings >= count, `${count} readings`, 30_000);
  } finally {
    off();
  }
}
