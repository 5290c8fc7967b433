/**
 * The charging profiles a charger has installed and the rules of OCPP 1.6 §3.13 for them:
 * which may be installed where, which replaces which, how ClearChargingProfile matches, and
 * which one is in force (highest valid stackLevel wins, §3.13.2). Pure: times are passed in.
 */
import type { ClearChargingProfileRequest } from '../ocpp/v16/types.js';
import { periodAt, type ActivePeriod, type ChargingProfile, type ChargingPurpose, type InstalledProfile } from '../ocpp/v16/schedule.js';

export interface ProfileLimits {
  connectors: number;
  /** ChargeProfileMaxStackLevel. */
  maxStackLevel: number;
  /** MaxChargingProfilesInstalled. */
  maxInstalled: number;
  /** ChargingScheduleMaxPeriods. */
  maxPeriods: number;
}

/** What the store must know about a connector's transaction to judge a TxProfile. */
export interface TransactionView {
  /** The central system's id, once StartTransaction was answered. */
  transactionId: number | undefined;
  startedAt: number;
}

export type InstallResult = { status: 'Accepted' } | { status: 'Rejected'; why: string };

export class ProfileStore {
  private installed: InstalledProfile[] = [];

  constructor(private readonly limits: ProfileLimits) {}

  list(): readonly InstalledProfile[] {
    return this.installed;
  }

  /**
   * SetChargingProfile (§5.16, §3.13.2). ChargePointMaxProfile only on connector 0; TxProfile
   * only on a connector with a running transaction (a transactionId in the profile must match
   * it); TxDefaultProfile on 0 (all connectors) or N. A profile with the same id, or the same
   * purpose and stackLevel on the same connector, is replaced.
   */
  install(connectorId: number, profile: ChargingProfile, now: number, tx: TransactionView | undefined): InstallResult {
    const purpose = profile.chargingProfilePurpose;
    if (connectorId > this.limits.connectors) return reject(`connector ${connectorId} does not exist`);
    if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) return reject('ChargePointMaxProfile is only allowed on connector 0');
    if (purpose === 'TxProfile') {
      if (connectorId === 0) return reject('TxProfile needs a connector > 0');
      if (!tx) return reject(`no transaction is running on connector ${connectorId}`);
      if (profile.transactionId !== undefined && profile.transactionId !== tx.transactionId) {
        return reject(`transaction ${profile.transactionId} is not the one running on connector ${connectorId}`);
      }
    }
    if (profile.stackLevel > this.limits.maxStackLevel) return reject(`stackLevel above ChargeProfileMaxStackLevel ${this.limits.maxStackLevel}`);
    const periods = profile.chargingSchedule.chargingSchedulePeriod;
    if (periods.length === 0 || periods.length > this.limits.maxPeriods) return reject(`1..${this.limits.maxPeriods} periods are allowed`);
    const kept = this.installed.filter(
      (p) =>
        p.profile.chargingProfileId !== profile.chargingProfileId &&
        !(p.connectorId === connectorId && p.profile.chargingProfilePurpose === purpose && p.profile.stackLevel === profile.stackLevel),
    );
    if (kept.length >= this.limits.maxInstalled) return reject(`MaxChargingProfilesInstalled ${this.limits.maxInstalled} reached`);
    kept.push({ connectorId, profile, installedAt: now });
    this.installed = kept;
    return { status: 'Accepted' };
  }

  /**
   * ClearChargingProfile (§5.5): by id alone when given; otherwise every profile matching all
   * the criteria given (none given: all). Accepted when at least one was removed, else Unknown.
   */
  clear(criteria: ClearChargingProfileRequest): 'Accepted' | 'Unknown' {
    const matches = (p: InstalledProfile): boolean => {
      if (criteria.id !== undefined) return p.profile.chargingProfileId === criteria.id;
      return (
        (criteria.connectorId === undefined || p.connectorId === criteria.connectorId) &&
        (criteria.chargingProfilePurpose === undefined || p.profile.chargingProfilePurpose === criteria.chargingProfilePurpose) &&
        (criteria.stackLevel === undefined || p.profile.stackLevel === criteria.stackLevel)
      );
    };
    const before = this.installed.length;
    this.installed = this.installed.filter((p) => !matches(p));
    return this.installed.length < before ? 'Accepted' : 'Unknown';
  }

  /** A TxProfile lives as long as its transaction (§3.13.2): removed when it ends. */
  dropTxProfiles(connectorId: number): void {
    this.installed = this.installed.filter((p) => !(p.connectorId === connectorId && p.profile.chargingProfilePurpose === 'TxProfile'));
  }

  /**
   * The periods limiting a connector at t: the ChargePointMaxProfile and the TxProfile (or, when
   * none applies, the TxDefaultProfile of the connector, else of connector 0). Each is the
   * profile with the highest stackLevel that is valid at t (§3.13.2). Connector 0 gets only
   * the ChargePointMaxProfile.
   */
  activeFor(connectorId: number, t: number, tx: TransactionView | undefined): { max?: ActivePeriod; tx?: ActivePeriod } {
    const txStart = tx?.startedAt;
    const max = this.top(0, 'ChargePointMaxProfile', t, txStart);
    if (connectorId === 0) return max ? { max } : {};
    const txPeriod =
      (tx ? this.top(connectorId, 'TxProfile', t, txStart, tx.transactionId) : undefined) ??
      this.top(connectorId, 'TxDefaultProfile', t, txStart) ??
      this.top(0, 'TxDefaultProfile', t, txStart);
    return { ...(max ? { max } : {}), ...(txPeriod ? { tx: txPeriod } : {}) };
  }

  /** The profiles that can influence a connector (for the breakpoints of a composite schedule). */
  relevantTo(connectorId: number): InstalledProfile[] {
    return this.installed.filter((p) => p.connectorId === 0 || p.connectorId === connectorId);
  }

  private top(connectorId: number, purpose: ChargingPurpose, t: number, txStart: number | undefined, transactionId?: number): ActivePeriod | undefined {
    const candidates = this.installed
      .filter((p) => p.connectorId === connectorId && p.profile.chargingProfilePurpose === purpose)
      .filter((p) => transactionId === undefined || p.profile.transactionId === undefined || p.profile.transactionId === transactionId)
      .sort((a, b) => b.profile.stackLevel - a.profile.stackLevel);
    for (const p of candidates) {
      const period = periodAt(p, t, txStart);
      if (period) return period;
    }
    return undefined;
  }
}

function reject(why: string): InstallResult {
  return { status: 'Rejected', why };
}
