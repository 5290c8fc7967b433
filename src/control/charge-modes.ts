/**
 * The charge mode per connector (off, now, minsolar, solar) and the caps it sets. The
 * decisions are pure (src/balancer/solar.ts); this file keeps the modes (on disk, so a restart
 * keeps them), listens to the grid meter and the allocation, and hands each mode's cap to the
 * balancer as a cap of source "charge mode": the same path as a user's cap, so the fuse rules
 * always win (a cap only ever lowers what the balancer allocates).
 */
import type { ControlResult, LimitControl } from './ports.js';
import { allocationDelta, type EventBus, type GatewayEvents } from '../events.js';
import type { Logger } from '../log.js';
import type { ChargeModeStore, SessionStore, Store } from '../store/ports.js';
import { chargerOf } from '../balancer/allocate.js';
import { PHASE_NAMES, connectorKey, type Phase, type PhaseCurrents, type SiteModel } from '../balancer/model.js';
import { CHARGE_MODES, decideModes, isChargeMode, type ChargeMode, type ModeConnector, type SolarMemory, type SolarReadings, type SolarSettings } from '../balancer/solar.js';

/** The caps' source, shown as the connector's reason ("capped at 9 A by charge mode"). */
export const CHARGE_MODE_SOURCE = 'charge mode';

export interface ChargeModesDeps {
  site: SiteModel;
  limits: Pick<LimitControl, 'setCap'> & { setPhases?(chargerId: string, connectorId: number, phases: 1 | 3 | null): void };
  events: EventBus;
  store: { chargeModes: ChargeModeStore; sessions: Pick<SessionStore, 'list'>; durably: Store['durably'] };
  settings: SolarSettings & { defaultMode: ChargeMode; meterTimeoutMs: number; recheckMs: number };
  /**
   * What a connector's car draws now, A on its highest phase, as the balancer knows it (its
   * readings and the limits it was to follow: balancer/draw.ts expectedDraw).
   */
  drawA(chargerId: string, connectorId: number): number;
  /** Whether a grid meter is configured: the solar modes need one. */
  hasGridMeter: boolean;
  /** The PV inverter's and the home battery's latest power, W, when configured. */
  pv?: () => { watts: number; at: number } | undefined;
  battery?: () => { watts: number; at: number } | undefined;
  /** Whether chargegate knows this charger (configured, or seen). */
  knowsCharger(chargerId: string): boolean;
  logger: Logger;
  now: () => Date;
}

export interface ChargeModeView {
  chargerId: string;
  connectorId: number;
  mode: ChargeMode;
  cap: number | null;
  why: string;
  /** A charger with phase switching and a session: the phases it is to charge on. */
  phases?: 1 | 3;
}

export interface ChargeModes {
  start(): void;
  stop(): void;
  set(chargerId: string, connectorId: number, mode: string): Promise<ControlResult>;
  /** Every connector's mode and what it does now. */
  list(): ChargeModeView[];
  /** The latest surplus for the solar-mode cars, W (their own draw included); undefined without a fresh reading. */
  surplusW(): number | undefined;
}

export function createChargeModes(deps: ChargeModesDeps): ChargeModes {
  const log = deps.logger.child({ component: 'charge-modes' });
  const s = deps.settings;
  const nowMs = () => deps.now().getTime();
  // Loaded at once, not at start(): the MQTT mirror starts first and publishes each connector's mode.
  const modes = new Map<string, ChargeMode>(deps.store.chargeModes.list().map((r) => [connectorKey(r.chargerId, r.connectorId), r.mode]));
  /** The cap each connector's mode set last, and its reason (what MQTT and the API show). */
  const applied = new Map<string, ChargeModeView>();
  const sessions = new Set<string>();
  /** From the allocation: each connector's site phases. */
  const seen = new Map<string, { chargerId: string; connectorId: number; phases: Phase[] }>();
  let grid: { currents: PhaseCurrents; at: number } | undefined;
  let memory: SolarMemory = {};
  let surplus: number | undefined;
  /** Why no surplus is counted while a PV or battery meter is silent (logged when it changes). */
  let wasBlind: string | undefined;
  let readOnce = false;
  let timer: NodeJS.Timeout | undefined;
  const off: (() => void)[] = [];

  function connectors(): { chargerId: string; connectorId: number }[] {
    const out = new Map<string, { chargerId: string; connectorId: number }>();
    for (const c of deps.site.chargers.values()) for (let n = 1; n <= c.connectors; n++) out.set(connectorKey(c.id, n), { chargerId: c.id, connectorId: n });
    for (const [key, c] of seen) out.set(key, c);
    for (const key of modes.keys()) {
      const at = key.lastIndexOf('/');
      out.set(key, { chargerId: key.slice(0, at), connectorId: Number(key.slice(at + 1)) });
    }
    return [...out.values()];
  }

  function fresh<T extends { at: number }>(x: T | undefined, now: number): T | undefined {
    return x && now - x.at <= s.meterTimeoutMs ? x : undefined;
  }

  function evaluate(): void {
    const now = nowMs();
    const list: ModeConnector[] = connectors().map(({ chargerId, connectorId }) => {
      const key = connectorKey(chargerId, connectorId);
      const charger = chargerOf(deps.site, chargerId);
      const live = seen.get(key);
      return {
        chargerId,
        connectorId,
        mode: modes.get(key) ?? s.defaultMode,
        phases: live?.phases ?? charger.rotation.slice(0, charger.phases),
        drawA: sessions.has(key) ? deps.drawA(chargerId, connectorId) : 0,
        minCurrent: charger.minCurrent,
        maxCurrent: charger.maxCurrent,
        session: sessions.has(key),
        ...(charger.phaseSwitching && deps.site.supply.phases === 3 ? { switchable: { wired: charger.rotation } } : {}),
      };
    });
    const g = fresh(grid, now);
    const pv = fresh(deps.pv?.(), now);
    const battery = fresh(deps.battery?.(), now);
    // A configured PV or battery meter gone silent: what the sun gives, or what the battery adds
    // to the export, is unknown, so there is no surplus (pvW 0 caps it at none): the safe side.
    const silent = [...(deps.pv && !pv ? ['PV inverter'] : []), ...(deps.battery && !battery ? ['home battery'] : [])];
    const readings: SolarReadings | undefined = g ? { grid: g.currents, ...(silent.length > 0 ? { pvW: 0 } : pv ? { pvW: pv.watts } : {}), ...(battery ? { batteryW: battery.watts } : {}) } : undefined;
    if (pv || battery) readOnce = true;
    const blind = silent.length > 0 ? `${silent.join(' and ')} meter silent: no surplus counted` : undefined;
    if (blind !== wasBlind) {
      // Before its first reading (the start) it is no news: info; gone silent later: a warning.
      if (blind) log[readOnce ? 'warn' : 'info']({ meters: silent, meterTimeoutSeconds: s.meterTimeoutMs / 1000 }, 'solar meter silent: no surplus counted until it reads');
      else if (wasBlind) log.info('solar meters read again');
      wasBlind = blind;
    }
    const outcome = decideModes(list, readings, memory, now, s);
    if (blind && g) for (const d of outcome.decisions) if (d.mode === 'solar' || d.mode === 'minsolar') d.why = `${d.why} (${blind})`;
    memory = outcome.memory;
    surplus = outcome.surplusW;
    for (const d of outcome.decisions) {
      const key = connectorKey(d.chargerId, d.connectorId);
      const before = applied.get(key);
      if ((before?.phases ?? null) !== (d.phases ?? null)) {
        // Before the cap: both reach the balancer's next run together.
        deps.limits.setPhases?.(d.chargerId, d.connectorId, d.phases ?? null);
        if (d.phases !== undefined) log.info({ chargerId: d.chargerId, connectorId: d.connectorId, phases: d.phases, why: d.why }, 'charge mode switches phases');
      } else if (before && before.cap === d.cap && before.mode === d.mode) {
        applied.set(key, d);
        continue;
      }
      // "now" on a connector that never had a mode's cap: nothing to clear.
      if (before || d.cap !== null) deps.limits.setCap(d.chargerId, d.connectorId, d.cap, CHARGE_MODE_SOURCE);
      applied.set(key, d);
      // The balancer logs each cap it is given ('cap set'): here only why, at debug.
      if (before?.cap !== d.cap && log.isLevelEnabled('debug')) log.debug({ chargerId: d.chargerId, connectorId: d.connectorId, mode: d.mode, cap: d.cap, why: d.why }, 'charge mode sets a new cap');
      deps.events.emit('connector.mode', d);
    }
  }

  /** What changed since the last allocation (all of it the first time). */
  let allocationChanges = allocationDelta();

  function onAllocation(e: GatewayEvents['allocation.changed']): void {
    for (const c of allocationChanges(e).connectors) {
      const phases = c.phases.map((p) => PHASE_NAMES.indexOf(p as (typeof PHASE_NAMES)[number])).filter((p): p is Phase => p >= 0);
      seen.set(connectorKey(c.chargerId, c.connectorId), { chargerId: c.chargerId, connectorId: c.connectorId, phases });
    }
  }

  return {
    start() {
      allocationChanges = allocationDelta();
      for (const r of deps.store.sessions.list({ state: 'active' })) sessions.add(connectorKey(r.chargerId, r.connectorId));
      off.push(
        deps.events.on('site.state', (e) => {
          const c = e.grid?.currentA;
          if (!c || c.length < 3) return;
          grid = { currents: [c[0]!, c[1]!, c[2]!], at: e.grid?.at ? Date.parse(e.grid.at) : nowMs() };
          evaluate();
        }),
        deps.events.on('allocation.changed', onAllocation),
        deps.events.on('session.started', (r) => {
          sessions.add(connectorKey(r.chargerId, r.connectorId));
          evaluate();
        }),
        deps.events.on('session.ended', (r) => {
          sessions.delete(connectorKey(r.chargerId, r.connectorId));
          evaluate();
        }),
      );
      // Delays run out and meters go stale without a reading saying so.
      timer = setInterval(evaluate, s.recheckMs);
      timer.unref();
      evaluate();
    },
    stop() {
      clearInterval(timer);
      for (const f of off.splice(0)) f();
    },
    async set(chargerId, connectorId, mode) {
      if (!isChargeMode(mode)) return { accepted: false, reason: `unknown charge mode "${mode}" (one of ${CHARGE_MODES.join(', ')})` };
      if (!deps.knowsCharger(chargerId)) return { accepted: false, reason: `unknown charger "${chargerId}"` };
      const charger = chargerOf(deps.site, chargerId);
      if (!(Number.isInteger(connectorId) && connectorId >= 1 && connectorId <= Math.max(charger.connectors, 8))) return { accepted: false, reason: `no connector ${connectorId} on ${chargerId}` };
      if ((mode === 'solar' || mode === 'minsolar') && !deps.hasGridMeter) return { accepted: false, reason: `${mode} follows the solar surplus, which needs the grid meter (site.meter in the config)` };
      const key = connectorKey(chargerId, connectorId);
      // On disk before the user hears it was taken: a restart keeps it.
      await deps.store.durably(() => deps.store.chargeModes.set({ chargerId, connectorId, mode, updatedAt: deps.now().toISOString() }));
      const was = modes.get(key) ?? s.defaultMode;
      modes.set(key, mode);
      if (was !== mode) memory = Object.fromEntries(Object.entries(memory).filter(([k]) => k !== key));
      log.info({ chargerId, connectorId, mode, was }, 'charge mode set');
      evaluate();
      const why = applied.get(key)?.why;
      return { accepted: true, reason: why ? `charge mode ${mode} (${why})` : `charge mode ${mode}` };
    },
    list: () => connectors().map(({ chargerId, connectorId }) => {
      const key = connectorKey(chargerId, connectorId);
      return applied.get(key) ?? { chargerId, connectorId, mode: modes.get(key) ?? s.defaultMode, cap: null, why: '' };
    }),
    surplusW: () => surplus,
  };
}
