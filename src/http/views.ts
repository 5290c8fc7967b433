/**
 * The view of chargers and the site that the API returns and the live feed pushes: one shape,
 * built here from the registry (live), the store (sessions) and what the balancer said.
 */
import type { LatestTransfers } from '../transfers/service.js';
import { registrationOf, type Registration } from '../gateway/registration.js';
import { parseRotation } from '../balancer/site.js';
import type { Config } from '../config/schema.js';
import { ocppVersionOf, type LiveCharger, type Registry } from '../gateway/registry.js';
import type { ChargerReportedLimit, EvNeeds, MeterSample, SessionRecord, SessionStore } from '../store/ports.js';
import type { TransactionQueueStatus } from '../gateway/charger-queries.js';
import type { LoadSample } from './load-history.js';
import type { ChargerControl } from '../events.js';
import type { ConnectorAllocation, SiteView } from './site-view.js';
import type { SetupView } from '../setup/index.js';
import { HttpError } from './errors.js';
import { rolledUpStatus } from '../gateway/charger-status.js';
import { connectorFlows, type Flows } from '../gateway/live-flows.js';

export interface ConnectorView {
  connectorId: number;
  status: string;
  errorCode?: string;
  info?: string;
  since?: string;
  /**
   * What it draws now (gateway/live-flows.ts): 0 W and 0 A offline or with no session running,
   * 0 A on a phase the latest reading does not name; null while a session runs and the charger
   * has not reported it yet.
   */
  powerW: number | null;
  currentA: [number, number, number] | null;
  session: { transactionId: number; idTag: string; startedAt: string; energyWh: number | null } | null;
  /** The balancer's plan for it against what the charger took (null without load balancing). */
  limit: LimitView | null;
  /** What the car said it needs (OCPP 2.0.1 NotifyEVChargingNeeds), until its session ends. */
  evNeeds?: EvNeeds;
  /** Limits another party (an EMS, the grid operator) set at the charger on this connector. */
  externalLimits?: ChargerReportedLimit[];
}

/**
 * A connector's limit as planned and as the charger has it, A per phase. The plan alone is not
 * what a car draws: a charger that refused or never answered its profile draws up to its own
 * maximum whatever was planned, so the accepted limit and the measured current sit beside it.
 */
export interface LimitView {
  /** What the balancer wants this connector to draw at most. */
  plannedA: number;
  /** The limit the charger last accepted; null: none known (it may draw up to its maximum). */
  acceptedA: number | null;
  /** A limit sent to the charger and not answered yet; null: none. */
  inFlightA: number | null;
  /** The highest per-phase current the charger reported lately; null: no fresh reading. */
  measuredA: number | null;
  /** Site phases it draws on, e.g. ["L1"] for a 1-phase car. */
  phases: string[];
  /** Phase switching (solar modes): the phases its charger is told to charge on, 1 or 3; absent: as wired. */
  numberPhases?: 1 | 3;
  /** A session runs on it (else the limit is its standing share). */
  active: boolean;
  /** Why the plan is what it is (max, cap, fair-share, circuit-full, failsafe, …) and the detail in words. */
  reason: string;
  detail: string;
  /** When the balancer said so. */
  at: string;
}

/** Whether chargegate controls a charger's current; uncontrolled chargers are counted at their maximum. */
export interface ControlView {
  /** null: no load balancing, or the balancer has not reported on this charger yet. */
  controlled: boolean | null;
  /** Why not, in words (only while uncontrolled). */
  uncontrolledWhy?: string;
  /** Since when (ISO time, only while uncontrolled and when known). */
  uncontrolledSince?: string;
}

export interface ChargerView extends ControlView {
  id: string;
  online: boolean;
  /** Its BootNotification was accepted since chargegate started; until then it gets no commands (OCPP 1.6 §4.2). */
  booted: boolean;
  /** Connected and not booted: since when it waits for its BootNotification (ISO time). */
  awaitingBootSince?: string;
  /** Where it stands with its BootNotification: accepted, pending or refused (with why), or offline. */
  registration: Registration;
  /** In chargers.list (else it connected while chargers.allowUnknown is on). */
  configured: boolean;
  status: string;
  protocol?: string;
  /** The OCPP version it speaks (on its current or last connection since chargegate started). */
  ocpp?: '1.6' | '2.0.1';
  connectedAt?: string;
  disconnectedAt?: string;
  lastMessageAt?: string;
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  maxCurrentA?: number;
  phases?: number;
  /** FirmwareStatusNotification / SignedFirmwareStatusNotification, LogStatusNotification, the latest security event (1.6 security extension). */
  firmwareStatus?: string;
  logStatus?: { status: string; requestId?: number };
  /** The latest FirmwareStatusNotification and DiagnosticsStatusNotification (stored: they survive a restart), and the latest diagnostics file received. */
  firmware?: LatestTransfers['firmware'];
  diagnostics?: LatestTransfers['diagnostics'];
  lastSecurityEvent?: { type: string; timestamp: string; techInfo?: string };
  /** Vendor profile, automatic setup and effective quirks (docs/chargers.md). */
  setup?: SetupView;
  /** Limits another party set at the charger on the whole charger (connector 0). */
  externalLimits?: ChargerReportedLimit[];
  /** The charger's latest answers on whether running sessions' messages are still queued there (2.0.1 GetTransactionStatus). */
  transactionQueues?: TransactionQueueStatus[];
  connectors: ConnectorView[];
}

export interface ViewDeps {
  config: Config;
  registry: Registry;
  sessions: Pick<SessionStore, 'list'>;
  site: SiteView;
  setup?: (chargerId: string) => SetupView;
  /** Firmware and diagnostics status per charger (src/transfers), when known. */
  transfers?: (chargerId: string) => LatestTransfers;
  /** The charger's answers on queued transaction messages (src/gateway/charger-queries.ts). */
  transactionQueues?: (chargerId: string) => TransactionQueueStatus[];
}

/** W and Wh, whatever unit the charger reported in (1.6 allows kW and kWh). */
function inBaseUnit(sample: MeterSample | undefined): number | null {
  if (!sample) return null;
  const value = Number(sample.value);
  if (!Number.isFinite(value)) return null;
  return sample.unit === 'kW' || sample.unit === 'kWh' ? value * 1000 : value;
}

function latest(live: LiveCharger | undefined, connectorId: number, measurand: string, phase?: string): MeterSample | undefined {
  return live?.latest.get(`${connectorId}/${measurand}/${phase ?? ''}`);
}

export function activeSessions(sessions: Pick<SessionStore, 'list'>): Map<string, SessionRecord> {
  return new Map(sessions.list({ state: 'active' }).map((s) => [`${s.chargerId}/${s.connectorId}`, s]));
}

export function chargerIds(deps: Pick<ViewDeps, 'config' | 'registry'>): string[] {
  const ids = new Set([...deps.config.chargers.list.map((c) => c.id), ...deps.registry.list().map((c) => c.id)]);
  return [...ids].sort((a, b) => a.localeCompare(b));
}

export function knowsCharger(deps: Pick<ViewDeps, 'config' | 'registry'>, id: string): boolean {
  return deps.config.chargers.list.some((c) => c.id === id) || deps.registry.get(id) !== undefined;
}

/** A route about one charger: 404 unknown_charger unless chargegate knows it (configured, or seen). */
export function requireCharger(deps: Pick<ViewDeps, 'config' | 'registry'>, id: string): void {
  if (!knowsCharger(deps, id)) throw new HttpError('unknown_charger', `unknown charger "${id}"`);
}

export function chargerView(deps: ViewDeps, id: string, active = activeSessions(deps.sessions)): ChargerView {
  const live = deps.registry.get(id);
  const configured = deps.config.chargers.list.find((c) => c.id === id);
  const connectorIds = new Set<number>();
  for (let c = 1; c <= (configured?.connectors ?? 0); c++) connectorIds.add(c);
  for (const c of live?.connectors.keys() ?? []) if (c > 0) connectorIds.add(c);
  const connectors = [...connectorIds].sort((a, b) => a - b).map((c) => connectorView(deps, id, c, live, active.get(`${id}/${c}`)));
  const boot = live?.boot;
  const wholeLimits = externalLimitsOn(live, 0);
  const queues = deps.transactionQueues?.(id) ?? [];
  return {
    id,
    online: live?.online ?? false,
    booted: live?.booted ?? false,
    ...(live?.awaitingBootSince ? { awaitingBootSince: live.awaitingBootSince } : {}),
    registration: registrationOf(live),
    configured: configured !== undefined,
    // Rolled up from its connectors (gateway/charger-status.ts): Charging while any connector charges.
    status: live?.online ? rolledUpStatus(live.connectors.values()) : live?.connectedAt || boot ? 'Offline' : 'Never connected',
    ...(live?.protocol ? { protocol: live.protocol } : {}),
    ...(ocppVersionOf(live?.protocol) ? { ocpp: ocppVersionOf(live?.protocol)! } : {}),
    ...(live?.connectedAt ? { connectedAt: live.connectedAt } : {}),
    ...(live?.disconnectedAt ? { disconnectedAt: live.disconnectedAt } : {}),
    ...(live?.lastMessageAtMs !== undefined ? { lastMessageAt: new Date(live.lastMessageAtMs).toISOString() } : {}),
    ...(boot ? { vendor: boot.vendor, model: boot.model } : {}),
    ...(boot?.serialNumber ? { serialNumber: boot.serialNumber } : {}),
    ...(boot?.firmwareVersion ? { firmwareVersion: boot.firmwareVersion } : {}),
    ...(configured ? { maxCurrentA: configured.maxCurrent, phases: configured.phases } : {}),
    ...(live?.firmwareStatus ? { firmwareStatus: live.firmwareStatus } : {}),
    ...(live?.logStatus ? { logStatus: live.logStatus } : {}),
    ...(deps.transfers ? deps.transfers(id) : {}),
    ...(live?.lastSecurityEvent ? { lastSecurityEvent: live.lastSecurityEvent } : {}),
    ...controlView(deps.site.control(id)),
    ...(deps.setup ? { setup: deps.setup(id) } : {}),
    ...(wholeLimits.length > 0 ? { externalLimits: wholeLimits } : {}),
    ...(queues.length > 0 ? { transactionQueues: queues } : {}),
    connectors,
  };
}

function connectorView(deps: ViewDeps, chargerId: string, connectorId: number, live: LiveCharger | undefined, session: SessionRecord | undefined): ConnectorView {
  const state = live?.connectors.get(connectorId);
  const allocation = deps.site.connector(chargerId, connectorId);
  const running = session !== undefined;
  const register = inBaseUnit(latest(live, connectorId, 'Energy.Active.Import.Register'));
  const needs = live?.evNeeds?.get(connectorId);
  const limits = externalLimitsOn(live, connectorId);
  return {
    connectorId,
    status: live?.online ? (state?.status ?? 'Unknown') : 'Unavailable',
    ...(state && state.errorCode !== 'NoError' ? { errorCode: state.errorCode } : {}),
    ...(state?.info ? { info: state.info } : {}),
    ...(state ? { since: state.timestamp } : {}),
    ...flowsOf(live, connectorId, running),
    session: session
      ? {
          transactionId: session.transactionId,
          idTag: session.idTag,
          startedAt: session.startedAt,
          energyWh: register !== null && register >= session.meterStart ? register - session.meterStart : null,
        }
      : null,
    limit: allocation ? limitView(allocation, deps.site.allocation!.at) : null,
    ...(needs ? { evNeeds: needs } : {}),
    ...(limits.length > 0 ? { externalLimits: limits } : {}),
  };
}

function externalLimitsOn(live: LiveCharger | undefined, connectorId: number): ChargerReportedLimit[] {
  return [...(live?.reportedLimits?.values() ?? [])].filter((l) => l.connectorId === connectorId);
}

export function limitView(a: ConnectorAllocation, at: string): LimitView {
  return {
    plannedA: a.amps,
    acceptedA: a.accepted ?? null,
    inFlightA: a.inFlight ?? null,
    measuredA: a.measured ?? null,
    phases: a.phases,
    ...(a.numberPhases !== undefined ? { numberPhases: a.numberPhases } : {}),
    active: a.active,
    reason: a.reason,
    detail: a.detail,
    at,
  };
}

export function controlView(c: ChargerControl | undefined): ControlView {
  if (!c) return { controlled: null };
  if (c.controlled) return { controlled: true };
  return { controlled: false, ...(c.why !== undefined ? { uncontrolledWhy: c.why } : {}), ...(c.since !== undefined ? { uncontrolledSince: c.since } : {}) };
}

function flowsOf(live: LiveCharger | undefined, connectorId: number, running: boolean): Flows {
  return connectorFlows((measurand, phase) => latest(live, connectorId, measurand, phase), { online: live?.online ?? false, running });
}

/** The chargers' current per site phase now, following each charger's phase rotation. */
export function loadSample(deps: ViewDeps, at: Date): LoadSample {
  const chargersA: [number, number, number] = [0, 0, 0];
  const active = activeSessions(deps.sessions);
  for (const session of active.values()) {
    const live = deps.registry.get(session.chargerId);
    if (!live?.online) continue;
    const rotation = parseRotation(deps.config.chargers.list.find((c) => c.id === session.chargerId)?.phaseRotation ?? 'L1L2L3');
    flowsOf(live, session.connectorId, true).currentA?.forEach((amps, i) => {
      if (amps > 0) chargersA[rotation[i]!] += amps;
    });
  }
  const gridA = deps.site.site?.grid?.currentA;
  const limitA = deps.site.allocation?.siteLimit.amps ?? deps.config.site?.supply.maxCurrent ?? null;
  return {
    at: at.toISOString(),
    chargersA: chargersA.map(round1) as [number, number, number],
    ...(gridA && gridA.length === 3 ? { gridA: gridA.map(round1) as [number, number, number] } : {}),
    limitA,
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
