/**
 * Automatic charger setup and vendor profiles, per charger: which profile matched its
 * BootNotification, what setup learnt and changed, and the effective quirks the balancer
 * works with (published as 'charger.quirks' whenever they change, so no restart is needed).
 * Setup runs after each accepted BootNotification (like local-list-push.ts), unless the
 * charger's setup is off.
 */
import { configuredQuirks } from '../balancer/site.js';
import type { ChargerConfig, Config } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { Commands } from '../gateway/commands.js';
import type { Registry } from '../gateway/registry.js';
import type { Logger } from '../log.js';
import type { ChargerStore, MetaStore } from '../store/ports.js';
import { runSetup } from './driver.js';
import { BALANCER_MEASURANDS, LEARNT_KEYS, MAX_KEYS_KEY } from './keys.js';
import { learntQuirks } from './learn.js';
import { metaSetupMemory } from './memory.js';
import { EMPTY_MEMORY, REPEAT_AFTER_MS, type ChangeResult, type SetupMemory, type SetupRules } from './plan.js';
import { matchProfile, type ChargerProfile } from './profiles.js';
import { describeQuirks, effectiveQuirks, quirkValues, type QuirkName, type QuirkOrigin } from './quirks.js';

export interface SetupView {
  /** auto: setup runs after each boot; off: nothing is sent (chargers.setup, the entry, or its profile). */
  mode: 'auto' | 'off';
  /** off, or the last run's state: pending (running, or cut short and going on at the next boot), done, failed. */
  state: 'off' | 'pending' | 'done' | 'failed';
  reason?: string;
  at?: string;
  /** The vendor profile that matched its last BootNotification; null: none. */
  profile: { id: string; name: string; notes?: string; sources: string[] } | null;
  /** The configuration keys read (§9.1), as the charger gave them. */
  learnt: Record<string, { value?: string; readonly: boolean }>;
  /** Keys it does not have. */
  unknownKeys: string[];
  /** The last ChangeConfiguration of each key chargegate changed. */
  changes: Record<string, { value: string; at: string; result: ChangeResult; error?: string }>;
  /** Effective quirks and where each came from (src/setup/quirks.ts). */
  quirks: Record<QuirkName, QuirkOrigin>;
}

export interface ChargerSetupDeps {
  config: Config;
  events: EventBus;
  commands: Pick<Commands, 'send'>;
  /**
   * The charger's live connection: a run ends when it changes (the charger reconnected); and
   * what it is still saying about itself (LiveCharger.describing): the run waits for it.
   */
  registry: Pick<Registry, 'connection'> & Partial<Pick<Registry, 'get'>>;
  chargers: Pick<ChargerStore, 'get'>;
  meta: MetaStore;
  profiles: readonly ChargerProfile[];
  logger: Logger;
  now: () => Date;
}

export interface ChargerSetup {
  /** Publishes the quirks known from the last boots (after the balancer subscribed) and listens for boots. */
  start(): void;
  stop(): void;
  view(chargerId: string): SetupView;
}

interface ChargerState {
  generation: number;
  profile: ChargerProfile | undefined;
  /** The profile id last logged (undefined: not logged yet). */
  loggedProfile?: string;
  memory: SetupMemory;
  published: string;
  /** The setup state last announced ('charger.setup'). */
  announced?: string;
}

export function createChargerSetup(deps: ChargerSetupDeps): ChargerSetup {
  const store = metaSetupMemory(deps.meta);
  const log = deps.logger.child({ component: 'setup' });
  const states = new Map<string, ChargerState>();
  const entryOf = (id: string): ChargerConfig | undefined => deps.config.chargers.list.find((c) => c.id === id);
  let offs: (() => void)[] = [];

  function state(chargerId: string): ChargerState {
    let s = states.get(chargerId);
    if (!s) {
      const known = deps.chargers.get(chargerId);
      const entry = entryOf(chargerId);
      s = {
        generation: 0,
        profile: known?.vendor !== undefined ? matchProfile(deps.profiles, known.vendor, known.model ?? '') : undefined,
        memory: store.load(chargerId).memory,
        // What the balancer started with (site.ts): only a difference is published.
        published: JSON.stringify(entry ? configuredQuirks(entry) : quirkValues(effectiveQuirks({ config: {}, learnt: {} }))),
      };
      states.set(chargerId, s);
    }
    return s;
  }

  function modeOf(chargerId: string, s: ChargerState): 'auto' | 'off' {
    const entry = entryOf(chargerId)?.setup;
    if (entry) return entry;
    if (s.profile?.setup?.mode === 'off') return 'off';
    return deps.config.chargers.setup.mode;
  }

  function origins(chargerId: string, s: ChargerState): Record<QuirkName, QuirkOrigin> {
    const config = entryOf(chargerId)?.quirks ?? {};
    return effectiveQuirks({
      config,
      ...(s.profile ? { profile: { name: s.profile.name, quirks: s.profile.quirks } } : {}),
      learnt: modeOf(chargerId, s) === 'auto' ? learntQuirks(s.memory.keys) : {},
    });
  }

  function publish(chargerId: string, s: ChargerState): void {
    const o = origins(chargerId, s);
    const quirks = quirkValues(o);
    const text = JSON.stringify(quirks);
    if (text === s.published) return;
    s.published = text;
    const n = o.noSmartCharging;
    const why = n.value ? `no smart charging (${n.source}${n.detail ? `: ${n.detail}` : ''})` : describeQuirks(o);
    deps.events.emit('charger.quirks', { chargerId, quirks, why });
  }

  /** 'charger.setup' (MQTT mirrors it) when the state, its reason or the profile changed. */
  function announce(chargerId: string, s: ChargerState): void {
    const mode = modeOf(chargerId, s);
    const status = mode === 'off' ? undefined : s.memory.status;
    const event = { chargerId, state: mode === 'off' ? ('off' as const) : (status?.status ?? ('pending' as const)), ...(status?.reason ? { reason: status.reason } : {}), ...(s.profile ? { profile: s.profile.name } : {}) };
    const text = JSON.stringify(event);
    if (text === s.announced) return;
    s.announced = text;
    deps.events.emit('charger.setup', event);
  }

  function rules(s: ChargerState): SetupRules {
    const p = s.profile?.setup;
    return {
      measurands: p?.measurands ?? BALANCER_MEASURANDS,
      sampleInterval: deps.config.chargers.setup.meterValueSampleInterval,
      ...(p?.minSampleInterval !== undefined ? { minSampleInterval: p.minSampleInterval } : {}),
      ...(p?.maxSampleInterval !== undefined ? { maxSampleInterval: p.maxSampleInterval } : {}),
      skipChange: p?.skipChange ?? [],
      ...(p?.maxKeys !== undefined ? { maxKeys: p.maxKeys } : {}),
      repeatAfterMs: REPEAT_AFTER_MS,
    };
  }

  function booted(chargerId: string, vendor: string, model: string): void {
    const s = state(chargerId);
    const clog = log.child({ chargerId });
    s.profile = matchProfile(deps.profiles, vendor, model);
    const id = s.profile?.id ?? '';
    if (s.loggedProfile !== id) {
      // Once per charger and profile (a charger that boots often does not fill the log).
      s.loggedProfile = id;
      if (s.profile) clog.info({ vendor, model, profile: s.profile.id, name: s.profile.name, quirks: s.profile.quirks, notes: s.profile.notes }, 'vendor profile matched');
      else clog.info({ vendor, model }, 'no vendor profile matches this charger');
    }
    publish(chargerId, s);
    announce(chargerId, s);
    if (modeOf(chargerId, s) === 'off') return;
    const generation = ++s.generation;
    // After the BootNotification.conf has gone out (calls wait for it anyway: boot-guard.ts).
    setImmediate(() => {
      // A run belongs to one connection: calls of a run that outlived it would go to the next
      // connection before its own boot, and count as changes the charger never saw.
      const connection = deps.registry.connection(chargerId);
      // A 2.0.1 charger's device model report first: what it answers saves a call per key.
      const describing = deps.registry.get?.(chargerId)?.describing ?? Promise.resolve();
      void describing.then(() => runSetup({
        chargerId,
        commands: deps.commands,
        store,
        rules: rules(s),
        now: () => deps.now().getTime(),
        log: clog,
        current: () => s.generation === generation && offs.length > 0 && connection !== undefined && deps.registry.connection(chargerId) === connection,
        progress: (memory) => {
          s.memory = memory;
          publish(chargerId, s);
          announce(chargerId, s);
        },
      })).catch((err: unknown) => clog.error({ err }, 'charger setup failed unexpectedly'));
    });
  }

  return {
    start() {
      for (const c of deps.config.chargers.list) {
        publish(c.id, state(c.id));
        announce(c.id, state(c.id));
      }
      offs = [deps.events.on('charger.boot', ({ chargerId, info }) => booted(chargerId, info.vendor, info.model))];
    },
    stop() {
      offs.forEach((off) => off());
      offs = [];
    },
    view(chargerId) {
      const s = state(chargerId);
      const mode = modeOf(chargerId, s);
      const m = mode === 'auto' ? s.memory : EMPTY_MEMORY;
      const shown = [MAX_KEYS_KEY, ...LEARNT_KEYS] as string[];
      return {
        mode,
        state: mode === 'off' ? 'off' : (m.status?.status ?? 'pending'),
        ...(m.status?.reason ? { reason: m.status.reason } : {}),
        ...(m.status ? { at: new Date(m.status.at).toISOString() } : {}),
        profile: s.profile ? { id: s.profile.id, name: s.profile.name, ...(s.profile.notes ? { notes: s.profile.notes } : {}), sources: [...s.profile.sources] } : null,
        learnt: Object.fromEntries(Object.entries(m.keys).filter(([k]) => shown.includes(k))),
        unknownKeys: m.unknownKeys.filter((k) => shown.includes(k)),
        changes: Object.fromEntries(Object.entries(m.changes).map(([k, c]) => [k, { value: c.value, at: new Date(c.at).toISOString(), result: c.result, ...(c.error ? { error: c.error } : {}) }])),
        quirks: origins(chargerId, s),
      };
    },
  };
}
