/**
 * Current caps without a load balancer (no `site:` section): each local user's cap becomes the
 * charger's own charging profile (cap-profiles.ts), sent when it is set and again whenever the
 * charger connects or boots (it may have lost or never received it). The limit each connector
 * is held to, and whether the charger took it, go on the bus ('charger.limits') for the MQTT
 * mirror, as an allocation would.
 *
 * No charger can hold up another: sends are queued on each charger's own connection; the
 * caller may await the charger's answer (ControlResult.applied) to tell the person whether the
 * charger took the cap. A charger that is offline, refused the cap or did not answer gets it
 * again when it comes back.
 *
 * Where a charger may hold a cap profile is kept on disk (HeldCaps, the meta table): a cap
 * removed while the charger was away, then a restart of chargegate, still clears the profile
 * at the charger when it connects; the marker goes once the charger accepted the clear.
 */
import { defaultCharger } from '../balancer/allocate.js';
import type { ChargerModel } from '../balancer/model.js';
import type { ConnectorLimit, EventBus } from '../events.js';
import type { Commands } from '../gateway/commands.js';
import type { Registry } from '../gateway/registry.js';
import type { Logger } from '../log.js';
import { capClear, capProfile, connectorCap } from './cap-profiles.js';
import type { ControlResult, LimitControl } from './ports.js';
import type { Store } from '../store/ports.js';

export const NO_SITE = 'no site: section: the charger holds its cap itself (its own charging profile)';

export interface ChargerCapsDeps {
  commands: Pick<Commands, 'send'>;
  registry: Pick<Registry, 'get'>;
  events: EventBus;
  /** A configured charger's model (phases, connectors, quirks); undefined for one only seen. */
  chargerModel(chargerId: string): ChargerModel | undefined;
  logger: Logger;
  /** Where the charger may hold a cap profile, kept across restarts; undefined: in memory only. */
  held?: HeldCaps;
}

/** Per charger, the connectors (0: the whole charger) whose cap profile it may hold. */
export interface HeldCaps {
  load(): Record<string, number[]>;
  save(held: Record<string, number[]>): void;
}

const HELD_KEY = 'chargerCaps.held';

/** HeldCaps in the store's meta table, one JSON value, written durably when it changes. */
export function heldCapsIn(store: Pick<Store, 'meta' | 'durably'>, logger: Logger): HeldCaps {
  return {
    load() {
      try {
        return JSON.parse(store.meta.get(HELD_KEY) ?? '{}') as Record<string, number[]>;
      } catch {
        return {};
      }
    },
    save(held) {
      store.durably(() => store.meta.set(HELD_KEY, JSON.stringify(held))).catch((err: Error) => logger.warn({ err: err.message }, 'where chargers hold cap profiles was not stored'));
    },
  };
}

export interface ChargerCaps extends LimitControl {
  start(): void;
  stop(): void;
  /** The caps on a charger by source (connectorId absent: the whole charger), as the balancer's caps(). */
  caps(chargerId: string): { connectorId?: number; source: string; amps: number }[];
  /** Resolves when every profile sent so far was answered (tests). */
  settled(): Promise<void>;
}

type SendState = 'waiting' | 'sending' | 'accepted' | 'rejected' | 'failed';

interface Target {
  /** Per source, A per phase: the lowest applies. */
  bySource: Map<string, number>;
  /** What the charger was last sent for this target (null: the cap was cleared), and how that went. */
  sent?: { amps: number | null; state: SendState; why?: string; seq: number };
  /** The charger may hold this cap's profile (one was sent and no clear was accepted since). */
  held?: boolean;
}

export function createChargerCaps(deps: ChargerCapsDeps): ChargerCaps {
  const log = deps.logger.child({ component: 'charger-caps' });
  /** Per charger, per connector (0: the whole charger). */
  const targets = new Map<string, Map<number, Target>>();
  const pending = new Set<Promise<unknown>>();
  const unsubscribe: (() => void)[] = [];
  const quirks = new Map<string, ChargerModel['quirks']>();
  let seq = 0;
  let savedHeld = '';

  // Profiles a charger may still hold from before the restart: cleared when it connects, unless a stored cap is restored there.
  for (const [chargerId, connectors] of Object.entries(deps.held?.load() ?? {})) {
    const byConnector = new Map<number, Target>();
    for (const n of connectors) byConnector.set(n, { bySource: new Map(), held: true });
    targets.set(chargerId, byConnector);
  }
  savedHeld = JSON.stringify(heldNow());

  function heldNow(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [chargerId, byConnector] of targets) {
      const held = [...byConnector].filter(([, t]) => t.held).map(([n]) => n).sort((a, b) => a - b);
      if (held.length > 0) out[chargerId] = held;
    }
    return out;
  }

  /** Kept on disk when it changed (a cap sent, a clear accepted). */
  function saveHeld(): void {
    const now = heldNow();
    const text = JSON.stringify(now);
    if (text === savedHeld) return;
    savedHeld = text;
    deps.held?.save(now);
  }

  const model = (chargerId: string): ChargerModel => {
    const m = deps.chargerModel(chargerId) ?? defaultCharger(chargerId);
    const q = quirks.get(chargerId);
    return q ? { ...m, quirks: q } : m;
  };

  function lowest(t: Target): number | null {
    return t.bySource.size === 0 ? null : Math.min(...t.bySource.values());
  }

  /** Connected, booted, and not reading its device model (a 2.0.1 charger right after its boot). */
  function reachable(chargerId: string): boolean {
    const live = deps.registry.get(chargerId);
    return live?.online === true && live.booted && live.describing === undefined;
  }

  /** @returns the charger's answer, when the cap (or its clear) went to it now. */
  function send(chargerId: string, connectorId: number, t: Target): Promise<ControlResult> | undefined {
    const amps = lowest(t);
    // Nothing to clear if the charger cannot hold it.
    if (amps === null && !t.held) {
      if (t.bySource.size === 0) targets.get(chargerId)?.delete(connectorId);
      return undefined;
    }
    const mine = ++seq;
    if (!reachable(chargerId)) {
      t.sent = { amps, state: 'waiting', seq: mine };
      return undefined;
    }
    t.sent = { amps, state: 'sending', seq: mine };
    if (amps !== null) t.held = true;
    saveHeld();
    let answered: (result: ControlResult) => void = () => undefined;
    const applied = new Promise<ControlResult>((resolve) => (answered = resolve));
    const done = (state: SendState, why?: string) => {
      const what = amps === null ? 'the cap\'s removal' : `the cap of ${amps} A`;
      answered(state === 'accepted' ? { accepted: true, reason: `the charger took ${what}` } : { accepted: false, reason: `the charger did not take ${what} (${why ?? state}): kept, and sent again when it reconnects` });
      if (t.sent?.seq !== mine) return;
      t.sent = { amps, state, seq: mine, ...(why ? { why } : {}) };
      if (amps === null && state === 'accepted') {
        t.held = false;
        if (t.bySource.size === 0) targets.get(chargerId)?.delete(connectorId);
        saveHeld();
      }
      if (state !== 'accepted') log.warn({ chargerId, connectorId, amps, why }, 'the charger did not take its cap: sent again when it reconnects');
      publish(chargerId);
    };
    const call =
      amps === null
        ? deps.commands.send(chargerId, 'ClearChargingProfile', capClear(connectorId)).then((a) => (a.status === 'Accepted' || a.status === 'Unknown' ? done('accepted') : done('rejected', `it answered ${a.status}`)))
        : deps.commands.send(chargerId, 'SetChargingProfile', capProfile(connectorId, amps, model(chargerId))).then((a) => (a.status === 'Accepted' ? done('accepted') : done('rejected', `it answered ${a.status}`)));
    const settled = call.catch((err: Error) => done('failed', err.message));
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
    if (amps !== null) log.info({ chargerId, connectorId, amps }, 'cap sent to the charger as its own charging profile');
    return applied;
  }

  /** Every cap of a charger again (it connected or booted: it may hold none of them). */
  function resend(chargerId: string): void {
    const byConnector = targets.get(chargerId);
    if (!byConnector || !reachable(chargerId)) return;
    for (const [connectorId, t] of byConnector) {
      // A cap removed while it was away still has to be cleared; one in force is sent again.
      if (lowest(t) === null && !t.held) continue;
      // On its way already (connected, then booted: one send is enough for the charger's flash).
      if (t.sent?.state === 'sending' && t.sent.amps === lowest(t)) continue;
      send(chargerId, connectorId, t);
    }
    publish(chargerId);
  }

  /** Each connector's limit under the caps, and whether the charger holds it (for the mirror). */
  function publish(chargerId: string): void {
    const m = model(chargerId);
    const byConnector = targets.get(chargerId) ?? new Map<number, Target>();
    const live = deps.registry.get(chargerId);
    const count = Math.max(m.connectors, ...[...(live?.connectors.keys() ?? [])], ...byConnector.keys());
    const caps = new Map<number, number>();
    for (const [n, t] of byConnector) {
      const a = lowest(t);
      if (a !== null) caps.set(n, a);
    }
    const connectors: ConnectorLimit[] = [];
    for (let n = 1; n <= count; n++) {
      const cap = connectorCap(caps, n);
      const relevant = [byConnector.get(0), byConnector.get(n)].filter((t): t is Target => t?.sent !== undefined);
      const states = relevant.map((t) => t.sent!.state);
      const problem = relevant.find((t) => t.sent!.state === 'rejected' || t.sent!.state === 'failed')?.sent;
      const inForce = Math.min(m.maxCurrent, cap ?? Infinity);
      const limit: ConnectorLimit = {
        connectorId: n,
        amps: inForce,
        reason: cap === undefined ? 'max' : 'cap',
        detail: problem ? `the charger did not take its cap (${problem.why ?? problem.state}); ${NO_SITE}` : cap === undefined ? `no cap: its maximum ${m.maxCurrent} A; ${NO_SITE}` : `capped at ${cap} A; ${NO_SITE}`,
      };
      if (states.includes('sending')) limit.inFlight = inForce;
      else if (states.every((s) => s === 'accepted') && !(relevant.length === 0 && cap !== undefined)) limit.accepted = inForce;
      connectors.push(limit);
    }
    deps.events.emit('charger.limits', { chargerId, connectors });
  }

  function setCap(chargerId: string, connectorId: number | undefined, amps: number | null, source: string): ControlResult {
    const m = model(chargerId);
    const n = connectorId ?? 0;
    if (connectorId !== undefined && (connectorId < 1 || connectorId > Math.max(m.connectors, 8))) return { accepted: false, reason: `no connector ${connectorId} on ${chargerId}` };
    if (amps !== null && !(amps >= 0 && amps <= 1000)) return { accepted: false, reason: `a cap must be a number of A from 0, got ${amps}` };
    let byConnector = targets.get(chargerId);
    if (!byConnector) targets.set(chargerId, (byConnector = new Map()));
    let t = byConnector.get(n);
    if (!t) byConnector.set(n, (t = { bySource: new Map() }));
    if (amps === null) t.bySource.delete(source);
    else t.bySource.set(source, amps);
    // Unchanged and on its way or held: no second write to the charger's flash.
    const same = t.sent !== undefined && t.sent.amps === lowest(t) && ['waiting', 'sending', 'accepted'].includes(t.sent.state);
    const applied = same ? undefined : send(chargerId, n, t);
    publish(chargerId);
    const where = reachable(chargerId) ? 'sent to the charger as its own charging profile' : 'the charger gets it when it connects';
    const note = amps !== null && amps > 0 && amps < m.minCurrent ? ` (below its minimum ${m.minCurrent} A: the car may pause)` : '';
    return { accepted: true, reason: amps === null ? `cap removed (${where})` : `capped at ${amps} A${note}: ${where}`, ...(applied ? { applied } : {}) };
  }

  return {
    setCap,
    setSiteLimit: () => ({ accepted: false, reason: 'a site limit needs load balancing (a site: section): without one each charger has only its own cap' }),
    start() {
      const later = (chargerId: string) =>
        setImmediate(() => {
          const live = deps.registry.get(chargerId);
          if (live?.describing) void live.describing.then(() => resend(chargerId));
          else resend(chargerId);
        });
      unsubscribe.push(
        deps.events.on('charger.connected', (c) => later(c.chargerId)),
        deps.events.on('charger.boot', (c) => later(c.chargerId)),
        // Its vendor profile or setup found it takes W only, or stackLevel 0: the caps again in that shape.
        deps.events.on('charger.quirks', (e) => {
          quirks.set(e.chargerId, { ...e.quirks });
          resend(e.chargerId);
        }),
      );
    },
    stop() {
      for (const off of unsubscribe.splice(0)) off();
    },
    caps(chargerId) {
      const out: { connectorId?: number; source: string; amps: number }[] = [];
      for (const [n, t] of targets.get(chargerId) ?? []) for (const [source, amps] of t.bySource) out.push({ ...(n === 0 ? {} : { connectorId: n }), source, amps });
      return out;
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
