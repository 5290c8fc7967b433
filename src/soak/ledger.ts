/**
 * What the soak records, on both ends, for the checker (invariants.ts) to compare: the
 * chargers' side (what each session did and which of its transaction messages the charger got
 * an answer for) and the cloud's side (every transaction message it received, in arrival
 * order, duplicates included). Plain data: no I/O, no clock.
 */

/** One charging session as the simulated charger lived it. Its idTag is unique in the run. */
export interface ChargerSession {
  /** The session's idTag: unique per session, so the cloud's Start names the session. */
  idTag: string;
  charger: string;
  connector: number;
  /** StartTransaction.timestamp (ISO). */
  startedAt: string;
  /** The charger got an answer to its StartTransaction. */
  startAnswered: boolean;
  /** StopTransaction.timestamp (ISO); undefined while the session runs. */
  stoppedAt?: string;
  /** The charger got an answer to its StopTransaction. */
  stopAnswered: boolean;
  /** MeterValues of this session the charger got an answer for. */
  meterValuesAnswered: number;
  /** The charger gave a message of this session up (its retries were used up). */
  dropped: boolean;
}

export type TxAction = 'StartTransaction' | 'StopTransaction' | 'MeterValues';

/** One transaction message as the cloud received it. */
export interface CloudMessage {
  /** Arrival order at the cloud (0, 1, 2, …). */
  seq: number;
  action: TxAction;
  /** The cloud's connector (aggregate mode: the site's virtual connector). */
  connectorId: number | undefined;
  /** Start: the cloud's answer; Stop and MeterValues: what the message named. */
  transactionId: number | undefined;
  /** Start and Stop: the idTag they carry. */
  idTag: string | undefined;
  /** Start/Stop: their timestamp; MeterValues: the first meterValue's. */
  timestamp: string;
  /**
   * The cloud had received a message with exactly this content before (a resend after a lost
   * answer): a deduplicating CSMS absorbs it, and the cloud answered it as the first.
   */
  duplicate: boolean;
}

export interface FuseSample {
  /** ms since the run began. */
  t: number;
  /** The chargers' actual currents summed per site phase (A). */
  phases: [number, number, number];
  /** The gateway process was running (it may still be starting). */
  gatewayUp?: boolean;
}

export interface RssSample {
  /** ms since the run began. */
  t: number;
  mib: number;
}
