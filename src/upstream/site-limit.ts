/**
 * Aggregate mode: the cloud's ChargePointMaxProfile on connector 0 limits the whole charge
 * point, i.e. the site (OCPP 1.6 §3.13.1, §3.13.4 "Local Smart Charging"). With a load balancer
 * chargegate keeps these profiles itself (on disk, so a restart keeps them, as a charge point
 * keeps its profiles) and hands the limit in force to the balancer as the external limit
 * "cloud", with one timer for the next change (a later period, the schedule's end, a
 * recurrence, validFrom/validTo). The rules are in charge-point-max.ts.
 */
import type { Logger } from '../log.js';
import type { ClearChargingProfileRequest, SetChargingProfileRequest } from '../ocpp/v16/types.js';
import type { Store } from '../store/ports.js';
import { clearProfiles, expired, installProfile, MAX_PROFILES, profileProblem, siteLimitAt, type CloudMaxProfile, type Supply } from './charge-point-max.js';

type Profile = SetChargingProfileRequest['csChargingProfiles'];

export interface SiteLimitSink {
  setExternalLimit(source: string, amps: number | null, untilMs?: number): { accepted: boolean; reason: string };
}

/** What the cloud's SetChargingProfile / ClearChargingProfile handlers (cloud-calls.ts) use. */
export interface CloudSiteLimit {
  /** A ChargePointMaxProfile for connector 0. Undefined when the site has no load balancer (the caller forwards it to the chargers). */
  install(profile: Profile): Promise<{ status: 'Accepted' | 'Rejected' } | undefined>;
  /** ClearChargingProfile for connector 0 or none: how many of the kept profiles it removed. */
  clear(criteria: ClearChargingProfileRequest): Promise<number>;
  /** Another profile took this chargingProfileId (ids are unique, §5.16): the kept one with it goes. */
  forget(chargingProfileId: number): Promise<void>;
  /** Reads the kept profiles back and applies the limit in force. */
  start(): void;
  stop(): void;
}

export interface CloudSiteLimitDeps {
  supply: Supply;
  balancer: () => SiteLimitSink | undefined;
  store: Pick<Store, 'meta' | 'durably'>;
  /** The meta key the profiles are kept under (one per upstream channel). */
  key: string;
  now: () => Date;
  logger: Logger;
}

const SOURCE = 'cloud';
/** setTimeout fires at once beyond 2^31-1 ms; a later change is looked at again after this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createCloudSiteLimit(deps: CloudSiteLimitDeps): CloudSiteLimit {
  const { store, key, logger: log } = deps;
  let profiles: CloudMaxProfile[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let applied: string | undefined;
  // One change at a time: two SetChargingProfiles sent at once (a cloud may) must not both
  // start from the same kept set while the first waits for the disk.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(change: () => Promise<T>): Promise<T> => {
    const run = queue.then(change, change);
    queue = run.catch(() => undefined);
    return run;
  };

  function load(): CloudMaxProfile[] {
    const raw = store.meta.get(key);
    if (raw === undefined) return [];
    try {
      const parsed = JSON.parse(raw) as CloudMaxProfile[];
      return Array.isArray(parsed) ? parsed : [];
    } catch (err) {
      log.error({ key, err: (err as Error).message }, "the cloud's kept ChargePointMaxProfiles are unreadable; starting without them");
      return [];
    }
  }

  const write = (list: CloudMaxProfile[]): Promise<void> => store.durably(() => (list.length > 0 ? store.meta.set(key, JSON.stringify(list)) : store.meta.delete(key)));

  /** Replaces the kept set, on disk before the cloud hears Accepted. */
  async function keep(next: CloudMaxProfile[]): Promise<void> {
    await write(next);
    profiles = next;
  }

  /** Applies the limit in force now and sets the one timer for its next change. */
  function apply(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const now = deps.now().getTime();
    const live = profiles.filter((p) => !expired(p, now));
    if (live.length < profiles.length) {
      profiles = live;
      write(live).catch((err: unknown) => log.error({ err }, 'could not drop expired ChargePointMaxProfiles'));
    }
    const at = siteLimitAt(profiles, now, deps.supply);
    const balancer = deps.balancer();
    if (balancer) {
      // Where the limit ends with nothing after it, the balancer is told the end too: it lapses
      // on time even if this timer runs late.
      const endsAt = at.amps !== null && at.nextChangeAt !== undefined && siteLimitAt(profiles, at.nextChangeAt, deps.supply).amps === null ? at.nextChangeAt : undefined;
      const state = `${at.amps}/${endsAt}`;
      if (state !== applied) {
        const result = balancer.setExternalLimit(SOURCE, at.amps, endsAt);
        if (result.accepted) applied = state;
        else log.warn({ amps: at.amps, reason: result.reason }, "the balancer refused the cloud's site limit");
      }
    }
    log.debug({ amps: at.amps, profileId: at.profileId, next: at.nextChangeAt && new Date(at.nextChangeAt).toISOString() }, 'cloud site limit evaluated');
    if (at.nextChangeAt !== undefined) {
      timer = setTimeout(apply, Math.min(Math.max(0, at.nextChangeAt - now), MAX_TIMER_MS));
      timer.unref();
    }
  }

  async function install(profile: Profile): Promise<{ status: 'Accepted' | 'Rejected' } | undefined> {
    if (!deps.balancer()) return undefined;
    const problem = profileProblem(profile);
    if (problem) {
      log.warn({ chargingProfileId: profile.chargingProfileId, problem }, 'ChargePointMaxProfile from the cloud rejected');
      return { status: 'Rejected' };
    }
    const next = installProfile(profiles, { profile, receivedAt: deps.now().getTime() });
    if (next.length > MAX_PROFILES) {
      log.warn({ chargingProfileId: profile.chargingProfileId, max: MAX_PROFILES }, 'ChargePointMaxProfile from the cloud rejected: too many kept');
      return { status: 'Rejected' };
    }
    await keep(next);
    log.info({ chargingProfileId: profile.chargingProfileId, stackLevel: profile.stackLevel, kind: profile.chargingProfileKind, kept: next.length }, 'ChargePointMaxProfile from the cloud kept as the site limit');
    apply();
    return { status: 'Accepted' };
  }

  async function clear(criteria: ClearChargingProfileRequest): Promise<number> {
    const { kept, removed } = clearProfiles(profiles, criteria);
    if (removed === 0) return 0;
    await keep(kept);
    log.info({ criteria, removed, kept: kept.length }, 'ChargePointMaxProfiles cleared by the cloud');
    apply();
    return removed;
  }

  async function forget(chargingProfileId: number): Promise<void> {
    if (!profiles.some((p) => p.profile.chargingProfileId === chargingProfileId)) return;
    await keep(profiles.filter((p) => p.profile.chargingProfileId !== chargingProfileId));
    apply();
  }

  return {
    install: (profile) => serial(() => install(profile)),
    clear: (criteria) => serial(() => clear(criteria)),
    forget: (chargingProfileId) => serial(() => forget(chargingProfileId)),
    start() {
      stopped = false;
      profiles = load();
      if (profiles.length > 0) log.info({ kept: profiles.length }, "the cloud's ChargePointMaxProfiles read back");
      apply();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
