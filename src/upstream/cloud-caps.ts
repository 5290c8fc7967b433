/**
 * The cloud's charging profiles, kept by chargegate when the site has a load balancer: it is
 * then the site's Local Controller (OCPP 1.6 §3.13.4), so a profile from the cloud becomes a
 * limit in the balancer and never a profile on a charger (the balancer's own profiles there
 * would otherwise be outranked by the cloud's, and the standing limits could exceed the supply).
 *
 * - ChargePointMaxProfile (connector 0): aggregate mode, the site limit (the balancer's external
 *   limit "cloud"); transparent mode, a cap on that charger.
 * - TxDefaultProfile / TxProfile: caps (source "cloud") on the charger connectors the cloud's
 *   connector maps to; connector 0 = every connector of the charge point (the site, or the
 *   charger). A TxProfile ends with its session ('session.ended').
 *
 * Kept on disk (store.meta, one key per upstream connection) before the cloud hears Accepted,
 * so a restart keeps them as a charge point keeps its profiles; one timer for the next change
 * of any limit (a later period, the schedule's end, a recurrence, validFrom/validTo). The
 * stacking rules are in cloud-profiles.ts. Without a balancer (active() false) routing.ts sends
 * the cloud's profile calls to the chargers instead.
 *
 * The same keeper serves a local user's profiles (createProfileCaps with another ProfileOwner,
 * src/control/user-profiles.ts): one channel per charger, its connector 0 the charger, the
 * balancer's source naming the profile ("user profile 12").
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type {
  ClearChargingProfileRequest,
  ClearChargingProfileResponse,
  GetCompositeScheduleRequest,
  GetCompositeScheduleResponse,
  SetChargingProfileRequest,
  SetChargingProfileResponse,
} from '../ocpp/v16/types.js';
import type { SessionRecord, Store } from '../store/ports.js';
import {
  clearProfiles,
  compositeSchedule,
  countOn,
  endSession,
  expired,
  installProfile,
  limitsAt,
  MAX_PROFILES,
  placementProblem,
  profileAmpsAt,
  profileProblem,
  type ChargePointView,
  type CloudProfile,
} from './cloud-profiles.js';
import type { ConnectorMapping } from './connectors.js';
import type { TransactionIdMap } from './idmap.js';

type ControlResult = { accepted: boolean; reason: string };

/** What chargegate needs of the load balancer (src/balancer/loop.ts implements it). */
export interface CapSink {
  /** A site limit from an outside source; null clears it. */
  setExternalLimit(source: string, amps: number | null, untilMs?: number): ControlResult;
  /** A cap per source (the lowest applies); connectorId undefined: the whole charger; null clears this source's cap only. */
  setCap(chargerId: string, connectorId: number | undefined, amps: number | null, source: string): ControlResult;
  allocation(): { siteLimit: { amps: number }; connectors: readonly { chargerId: string; connectorId: number; amps: number }[] } | undefined;
}

/**
 * Whose profiles one keeper holds: the cloud's (createCloudCaps) or a local user's
 * (src/control/user-profiles.ts). Everything else (stacking, disk, timer, the balancer) is shared.
 */
export interface ProfileOwner {
  /** The balancer's source for a cap from one of these profiles ("cloud", "user profile 12"): shown in the allocation's reason. */
  source(profileId: number | undefined): string;
  /** Where a channel's kept profiles are (store.meta). */
  metaKey(channel: string): string;
  /** Whose profiles, in the log: "the cloud's", "a local user's". */
  whose: string;
  /** chargegate's transactionId for the one a TxProfile names (the cloud's own numbers go through the id map). */
  localTransactionId(channel: string, transactionId: number): number | undefined;
}

/** A kept profile with the limit it sets on its own now (A per phase; null: no period in force). */
export interface KeptProfileView {
  connectorId: number;
  profile: CloudProfile['profile'];
  receivedAt: string;
  transactionId?: number;
  ampsNow: number | null;
}

/** What each connector of a channel is under now (0: the charge point), and the profile it comes from. */
export interface ChannelLimitsView {
  profiles: KeptProfileView[];
  limitsNow: { connectorId: number; amps: number | null; profileId?: number }[];
}

/** The keeper itself: the cloud's handlers and the user's interceptors both use it. */
export interface ProfileCaps {
  active(): boolean;
  /** `problem`: why it was Rejected, in words. */
  set(channel: string, req: SetChargingProfileRequest): Promise<{ answer: SetChargingProfileResponse; problem?: string }>;
  clear(channel: string, req: ClearChargingProfileRequest): Promise<ClearChargingProfileResponse>;
  composite(channel: string, req: GetCompositeScheduleRequest): GetCompositeScheduleResponse;
  /** The kept profiles of a channel and the limits in force now. */
  view(channel: string): ChannelLimitsView;
  start(): void;
  stop(): void;
}

/** What the cloud's SetChargingProfile / ClearChargingProfile / GetCompositeSchedule handlers (cloud-calls.ts) use. */
export interface CloudCaps {
  /** True while the site has a load balancer: chargegate is its Local Controller (routing.ts 'local-controller'). */
  active(): boolean;
  set(channel: string, req: SetChargingProfileRequest): Promise<SetChargingProfileResponse>;
  /** Accepted when a kept profile matched, else Unknown; never forwarded (that would clear chargegate's own profiles). */
  clear(channel: string, req: ClearChargingProfileRequest): Promise<ClearChargingProfileResponse>;
  /** From the kept profiles and the balancer's limit now (§5.7). */
  composite(channel: string, req: GetCompositeScheduleRequest): GetCompositeScheduleResponse;
  /** Reads the kept profiles back and applies the limits in force. */
  start(): void;
  stop(): void;
}

export interface CloudCapsDeps {
  /**
   * The charger that is a channel's whole charge point (transparent mode: the channel's own);
   * undefined where connector 0 is the site (aggregate mode). From mode.ts.
   */
  chargePointOf(channel: string): string | undefined;
  /** The upstream connections (aggregate: one; transparent: one per charger, named by its id). */
  channels: readonly string[];
  connectors: ConnectorMapping;
  supply: { voltage: number; phases: number; maxCurrent: number };
  /** The phases a charger is wired to (W limits on its connectors). */
  chargerPhases(chargerId: string): number;
  balancer: () => CapSink | undefined;
  store: Pick<Store, 'meta' | 'durably' | 'sessions'>;
  idmap: Pick<TransactionIdMap, 'localFor'>;
  events: Pick<EventBus, 'on'>;
  now: () => Date;
  logger: Logger;
}

/** The source name the balancer shows ("capped at 16 A by cloud"). */
export const SOURCE = 'cloud';
/** setTimeout fires at once beyond 2^31-1 ms; a later change is looked at again after this. */
const MAX_TIMER_MS = 2 ** 31 - 1;
export const metaKey = (channel: string) => `upstream.cloudProfiles/${channel}`;
/** Where an earlier version kept the aggregate ChargePointMaxProfiles alone (read once, then moved). */
export const legacyKey = (channel: string) => `upstream.chargePointMaxProfiles/${channel}`;

interface Target {
  chargerId: string;
  /** Undefined: the whole charger. */
  connectorId: number | undefined;
}

const CLOUD: Omit<ProfileOwner, 'localTransactionId'> = { source: () => SOURCE, metaKey, whose: "the cloud's" };

export function createCloudCaps(deps: CloudCapsDeps): CloudCaps {
  const { idmap, ...rest } = deps;
  const caps = createProfileCaps({ ...rest, owner: { ...CLOUD, localTransactionId: (channel, id) => idmap.localFor(channel, id) } });
  return {
    active: caps.active,
    set: async (channel, req) => (await caps.set(channel, req)).answer,
    clear: caps.clear,
    composite: caps.composite,
    start: caps.start,
    stop: caps.stop,
  };
}

export type ProfileCapsDeps = Omit<CloudCapsDeps, 'idmap'> & { owner: ProfileOwner };

export function createProfileCaps(deps: ProfileCapsDeps): ProfileCaps {
  const { store, connectors, supply, owner, logger: log } = deps;
  const kept = new Map<string, CloudProfile[]>(deps.channels.map((c) => [c, []]));
  /** What the balancer was told, per cap key (absent: nothing, i.e. null). */
  const applied = new Map<string, { target: Target; amps: number; source: string }>();
  let siteApplied: string | undefined;
  const refused = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let unsubscribe: (() => void)[] = [];
  // One change at a time: two SetChargingProfiles sent at once (a cloud may) must not both
  // start from the same kept set while the first waits for the disk.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(change: () => Promise<T>): Promise<T> => {
    const run = queue.then(change, change);
    queue = run.catch(() => undefined);
    return run;
  };

  // ---- disk ------------------------------------------------------------------------------------

  function read(key: string): unknown[] {
    const raw = store.meta.get(key);
    if (raw === undefined) return [];
    try {
      const parsed = JSON.parse(raw) as unknown;
      return Array.isArray(parsed) ? parsed : [];
    } catch (err) {
      log.error({ key, err: (err as Error).message }, `${owner.whose} kept charging profiles are unreadable; starting without them`);
      return [];
    }
  }

  function load(channel: string): CloudProfile[] {
    const list = read(owner.metaKey(channel)) as CloudProfile[];
    // The site's ChargePointMaxProfiles an earlier version kept ({ profile, receivedAt }, connector 0).
    if (deps.chargePointOf(channel) !== undefined || store.meta.get(legacyKey(channel)) === undefined) return list;
    const legacy = (read(legacyKey(channel)) as { profile: CloudProfile['profile']; receivedAt: number }[]).map((p) => ({ connectorId: 0, profile: p.profile, receivedAt: p.receivedAt }));
    const merged = legacy.reduce(installProfile, list);
    store
      .durably(() => {
        store.meta.set(metaKey(channel), JSON.stringify(merged));
        store.meta.delete(legacyKey(channel));
      })
      .catch((err: unknown) => log.error({ err }, "could not move the cloud's ChargePointMaxProfiles to their new key"));
    return merged;
  }

  const write = (channel: string, list: CloudProfile[]): Promise<void> =>
    store.durably(() => (list.length > 0 ? store.meta.set(owner.metaKey(channel), JSON.stringify(list)) : store.meta.delete(owner.metaKey(channel))));

  /** Replaces a channel's kept set, on disk before the cloud hears Accepted. */
  async function keep(channel: string, next: CloudProfile[]): Promise<void> {
    await write(channel, next);
    kept.set(channel, next);
  }

  // ---- the charge point behind a channel -------------------------------------------------------

  const startOf = (s: SessionRecord): number => Date.parse(s.receivedAt) || Date.parse(s.startedAt) || deps.now().getTime();

  /** `active`: the running sessions, when the caller has listed them already (one list for every channel). */
  function viewOf(channel: string, active = store.sessions.list({ state: 'active' })): ChargePointView & { target(n: number): Target | undefined } {
    const mapped = connectors.connectorsOf(channel);
    const byCharger = new Map(mapped.map((c) => [`${c.chargerId}\u0000${c.connectorId}`, c.virtual]));
    const sessionStart = new Map<number, number>();
    for (const s of active) {
      const virtual = byCharger.get(`${s.chargerId}\u0000${s.connectorId}`);
      if (virtual !== undefined) sessionStart.set(virtual, startOf(s));
    }
    const chargePoint = deps.chargePointOf(channel);
    const target = (n: number): Target | undefined => {
      if (n === 0) return chargePoint === undefined ? undefined : { chargerId: chargePoint, connectorId: undefined };
      const m = mapped.find((c) => c.virtual === n);
      return m && { chargerId: m.chargerId, connectorId: m.connectorId };
    };
    return {
      connectors: mapped.map((c) => c.virtual),
      sessionStart,
      // The site's phases for the site (aggregate connector 0), else the charger's.
      phases: (n) => (n === 0 && chargePoint === undefined ? supply.phases : deps.chargerPhases(target(n)?.chargerId ?? channel)),
      target,
    };
  }

  /** The active session a TxProfile names (the cloud's transactionId, 1.6 §5.16), or the one on its connector. */
  function sessionFor(channel: string, target: Target, cloudTransactionId: number | undefined): SessionRecord | undefined {
    if (cloudTransactionId === undefined) {
      return store.sessions.list({ chargerId: target.chargerId, state: 'active' }).find((s) => s.connectorId === target.connectorId);
    }
    const local = owner.localTransactionId(channel, cloudTransactionId);
    const session = local === undefined ? undefined : store.sessions.get(local);
    return session?.state === 'active' && session.chargerId === target.chargerId && session.connectorId === target.connectorId ? session : undefined;
  }

  // ---- applying -------------------------------------------------------------------------------

  const capKey = (t: Target) => (t.connectorId === undefined ? t.chargerId : `${t.chargerId}\u0000${t.connectorId}`);

  /** Applies every limit in force now and sets the one timer for the next change. */
  function apply(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const now = deps.now().getTime();
    const sink = deps.balancer();
    let next: number | undefined;
    const wanted = new Map<string, { target: Target; amps: number; source: string }>();
    // The running sessions are read only when a channel has a profile to evaluate: apply runs on
    // every session start and boot, and a site's cloud usually keeps none (a read per event of
    // every session was O(n²) over the start-up of a 1,000-charger site, #19).
    let active: SessionRecord[] | undefined;
    for (const [channel, list] of kept) {
      const live = list.filter((p) => !expired(p, now));
      if (live.length < list.length) {
        kept.set(channel, live);
        write(channel, live).catch((err: unknown) => log.error({ err }, `could not drop ${owner.whose} expired charging profiles`));
      }
      if (live.length === 0) {
        // No profile, no limit: the same as evaluating none, without building the channel's view.
        if (sink && deps.chargePointOf(channel) === undefined) applySite(sink, null, undefined);
        continue;
      }
      const view = viewOf(channel, (active ??= store.sessions.list({ state: 'active' })));
      const limits = limitsAt(live, view, now, supply);
      if (limits.nextChangeAt !== undefined) next = Math.min(next ?? Infinity, limits.nextChangeAt);
      // Connector 0: the site's limit where it is the site (aggregate), else a cap on the whole charger.
      const whole = view.target(0);
      if (!whole) {
        if (sink) applySite(sink, limits.chargePoint.amps, limits.chargePoint.endsAt);
      } else if (limits.chargePoint.amps !== null) {
        wanted.set(capKey(whole), { target: whole, amps: limits.chargePoint.amps, source: owner.source(limits.chargePoint.profileId) });
      }
      for (const [n, limit] of limits.connectors) {
        const target = view.target(n);
        if (target && limit.amps !== null) wanted.set(capKey(target), { target, amps: limit.amps, source: owner.source(limit.profileId) });
      }
      log.debug({ channel, whose: owner.whose, chargePoint: limits.chargePoint.amps, connectors: Object.fromEntries([...limits.connectors].map(([n, l]) => [n, l.amps])), next: limits.nextChangeAt && new Date(limits.nextChangeAt).toISOString() }, 'profile limits evaluated');
    }
    if (sink) {
      for (const [key, want] of wanted) {
        const was = applied.get(key);
        if (was?.amps === want.amps && was.source === want.source) continue;
        // Another profile prevails: its source replaces the old one's (set first: never a moment without a cap).
        setCap(sink, key, want.target, want.amps, want.source);
        if (was && was.source !== want.source && applied.get(key)?.source === want.source) sink.setCap(was.target.chargerId, was.target.connectorId, null, was.source);
      }
      for (const [key, was] of [...applied]) if (!wanted.has(key)) setCap(sink, key, was.target, null, was.source);
    }
    if (next !== undefined) {
      timer = setTimeout(apply, Math.min(Math.max(0, next - now), MAX_TIMER_MS));
      timer.unref();
    }
  }

  function setCap(sink: CapSink, key: string, target: Target, amps: number | null, source: string): void {
    const result = sink.setCap(target.chargerId, target.connectorId, amps, source);
    if (result.accepted) {
      if (amps === null) applied.delete(key);
      else applied.set(key, { target, amps, source });
      refused.delete(key);
      return;
    }
    // Tried again at every evaluation; said once per refusal.
    if (refused.get(key) !== `${amps}`) log.warn({ chargerId: target.chargerId, connectorId: target.connectorId, amps, source, reason: result.reason }, 'the balancer refused a charging profile\'s cap');
    refused.set(key, `${amps}`);
  }

  function applySite(sink: CapSink, amps: number | null, endsAt: number | undefined): void {
    // Where the limit ends with nothing after it, the balancer is told the end too: it lapses
    // on time even if this timer runs late.
    const state = `${amps}/${endsAt}`;
    if (state === siteApplied) return;
    const result = sink.setExternalLimit(SOURCE, amps, endsAt);
    if (result.accepted) siteApplied = state;
    else log.warn({ amps, reason: result.reason }, "the balancer refused the cloud's site limit");
  }

  // ---- the owner's calls ----------------------------------------------------------------------

  async function set(channel: string, req: SetChargingProfileRequest): Promise<{ answer: SetChargingProfileResponse; problem?: string }> {
    const profile = req.csChargingProfiles;
    const context = { channel, whose: owner.whose, connectorId: req.connectorId, chargingProfileId: profile.chargingProfileId, purpose: profile.chargingProfilePurpose, stackLevel: profile.stackLevel };
    const reject = (problem: string) => {
      log.warn({ ...context, problem }, 'charging profile rejected');
      return { answer: { status: 'Rejected' as const }, problem };
    };
    const problem = profileProblem(profile) ?? placementProblem(req.connectorId, profile);
    if (problem) return reject(problem);
    const view = viewOf(channel);
    if (req.connectorId > 0 && !view.connectors.includes(req.connectorId)) return reject(`there is no connector ${req.connectorId}`);
    const list = kept.get(channel) ?? [];
    const now = deps.now().getTime();
    const incoming: CloudProfile = { connectorId: req.connectorId, profile, receivedAt: now };
    if (profile.chargingProfilePurpose === 'TxProfile') {
      // §3.13.1 / §5.16: a TxProfile without a transaction on its connector is discarded (Rejected).
      const session = sessionFor(channel, view.target(req.connectorId)!, profile.transactionId);
      if (!session) return reject(profile.transactionId === undefined ? 'no transaction on the connector' : `transaction ${profile.transactionId} is not running on the connector`);
      incoming.session = { transactionId: session.transactionId, startedAt: startOf(session) };
    }
    const next = installProfile(list, incoming);
    if (countOn(next, req.connectorId) > MAX_PROFILES) return reject(`more than ${MAX_PROFILES} profiles on the connector`);
    await keep(channel, next);
    log.info({ ...context, kind: profile.chargingProfileKind, kept: next.length }, 'charging profile kept as a limit for the load balancer');
    apply();
    return { answer: { status: 'Accepted' } };
  }

  async function clear(channel: string, req: ClearChargingProfileRequest): Promise<ClearChargingProfileResponse> {
    const { kept: left, removed } = clearProfiles(kept.get(channel) ?? [], req);
    if (removed === 0) return { status: 'Unknown' };
    await keep(channel, left);
    log.info({ channel, whose: owner.whose, criteria: req, removed, kept: left.length }, 'charging profiles cleared');
    apply();
    return { status: 'Accepted' };
  }

  function composite(channel: string, req: GetCompositeScheduleRequest): GetCompositeScheduleResponse {
    const view = viewOf(channel);
    const n = req.connectorId;
    if (n > 0 && !view.connectors.includes(n)) return { status: 'Rejected' };
    const allocation = deps.balancer()?.allocation();
    const target = view.target(n);
    // chargegate's own limit now: the site limit for the charge point, the allocation for a connector.
    const own =
      n === 0 || !target
        ? (allocation?.siteLimit.amps ?? supply.maxCurrent)
        : (allocation?.connectors.find((c) => c.chargerId === target.chargerId && c.connectorId === target.connectorId)?.amps ?? supply.maxCurrent);
    const now = deps.now().getTime();
    const schedule = compositeSchedule(kept.get(channel) ?? [], view, now, supply, { connectorId: n, duration: req.duration, unit: req.chargingRateUnit ?? 'A', own });
    const start = new Date(now).toISOString();
    return { status: 'Accepted', connectorId: n, scheduleStart: start, chargingSchedule: { ...schedule, startSchedule: start } };
  }

  function view(channel: string): ChannelLimitsView {
    const now = deps.now().getTime();
    const list = (kept.get(channel) ?? []).filter((p) => !expired(p, now));
    const cp = viewOf(channel);
    const limits = limitsAt(list, cp, now, supply);
    const limitsNow = [{ connectorId: 0, ...limits.chargePoint }, ...[...limits.connectors].map(([connectorId, l]) => ({ connectorId, ...l }))].map(({ connectorId, amps, profileId }) => ({
      connectorId,
      amps,
      ...(profileId !== undefined ? { profileId } : {}),
    }));
    return {
      profiles: list.map((p) => ({
        connectorId: p.connectorId,
        profile: p.profile,
        receivedAt: new Date(p.receivedAt).toISOString(),
        ...(p.session ? { transactionId: p.session.transactionId } : {}),
        ampsNow: profileAmpsAt(p, now, cp, supply),
      })),
      limitsNow,
    };
  }

  /** A session ended: its TxProfiles go (§3.13.1); any session change moves Relative TxDefault schedules. */
  async function sessionEnded(session: SessionRecord): Promise<void> {
    for (const [channel, list] of kept) {
      const left = endSession(list, session.transactionId);
      if (left.length === list.length) continue;
      await keep(channel, left);
      log.info({ channel, whose: owner.whose, transactionId: session.transactionId, removed: list.length - left.length }, 'the session ended: its TxProfile is gone');
    }
    apply();
  }

  return {
    active: () => deps.balancer() !== undefined,
    set: (channel, req) => serial(() => set(channel, req)),
    clear: (channel, req) => serial(() => clear(channel, req)),
    composite,
    view,
    start() {
      if (!stopped) return;
      stopped = false;
      for (const channel of kept.keys()) {
        const list = load(channel);
        // A TxProfile whose session ended while chargegate was not looking is of no use.
        const live = list.filter((p) => !p.session || store.sessions.get(p.session.transactionId)?.state === 'active');
        kept.set(channel, live);
        if (live.length < list.length) write(channel, live).catch((err: unknown) => log.error({ err }, `could not drop ${owner.whose} TxProfiles of ended sessions`));
        if (live.length > 0) log.info({ channel, whose: owner.whose, kept: live.length }, 'kept charging profiles read back');
      }
      unsubscribe = [
        deps.events.on('session.ended', (s) => void serial(() => sessionEnded(s)).catch((err: unknown) => log.error({ err }, 'could not drop a TxProfile of an ended session'))),
        deps.events.on('session.started', () => apply()),
        // A charger seen for the first time: its connectors come under connector-0 defaults.
        deps.events.on('charger.boot', () => apply()),
      ];
      apply();
    },
    stop() {
      stopped = true;
      for (const off of unsubscribe.splice(0)) off();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
