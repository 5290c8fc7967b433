/**
 * What the gateway knows about each charger right now: connection, boot info, connector
 * states and the latest meter reading per connector/measurand/phase. In memory; the durable
 * part lives in the store. A charger stays in the registry after it disconnects (online=false).
 */
import type { AcceptedConnection } from '../ocpp/server.js';
import { FLOW_MEASURANDS } from './live-flows.js';
import type { ChargerInfo, ChargerReportedLimit, ConnectorState, EvNeeds, MeterSample } from '../store/ports.js';

export interface LiveCharger {
  id: string;
  online: boolean;
  connection?: AcceptedConnection;
  protocol?: string;
  connectedAt?: string;
  disconnectedAt?: string;
  /**
   * When its last message came (epoch ms). A number, made into a time string only when shown:
   * it is set for every message a charger sends, and a string per message was a Date, its
   * formatting and a string to collect at every MeterValues (issue #19).
   */
  lastMessageAtMs?: number;
  boot?: ChargerInfo & { at: string };
  /**
   * A BootNotification from this charger was accepted since this gateway process started.
   * Kept across reconnects (a network blip is not a reboot); a restart of chargegate clears
   * it. Until then no CALL but TriggerMessage is sent to it (OCPP 1.6 §4.2).
   */
  booted: boolean;
  /** Connected and not booted: since when (ISO time, the connection's start); else absent. */
  awaitingBootSince?: string;
  /** Its last BootNotification was answered with a CALLERROR (strict validation), since it last booted. */
  bootRefused?: { code: string; description: string; at: string };
  connectors: Map<number, ConnectorState>;
  /** Latest sample per `${connectorId}/${measurand}/${phase}`. */
  latest: Map<string, MeterSample>;
  /** FirmwareStatusNotification's status, or SignedFirmwareStatusNotification's (security whitepaper use case L01). */
  firmwareStatus?: string;
  diagnosticsStatus?: string;
  /** LogStatusNotification's status (security whitepaper use case N01), the GetLog requestId it is about. */
  logStatus?: { status: string; requestId?: number };
  /**
   * Set while chargegate reads what the charger says about itself after its boot (a 2.0.1
   * charger's device model report, edge201/device-model.ts); resolves when that is over, however
   * it ended. Automatic setup waits for it.
   */
  describing?: Promise<void>;
  /** Its latest security event since chargegate started (the store keeps them all: GET …/security-events). */
  lastSecurityEvent?: { type: string; timestamp: string; techInfo?: string };
  /** What the car on each connector said it needs (2.0.1 NotifyEVChargingNeeds), until its session ends. */
  evNeeds?: Map<number, EvNeeds>;
  /** Limits set at the charger by others (an EMS, the grid operator: 2.0.1 NotifyChargingLimit), by `${source}/${connectorId}`. */
  reportedLimits?: Map<string, ChargerReportedLimit>;
}

/** A connection's subprotocol as chargers.list[].ocpp names the version: '1.6', '2.0.1' (undefined: none yet). */
export function ocppVersionOf(protocol: string | undefined): '1.6' | '2.0.1' | undefined {
  return protocol === 'ocpp2.0.1' ? '2.0.1' : protocol === 'ocpp1.6' ? '1.6' : undefined;
}

export function meterKey(connectorId: number, measurand: string, phase?: string): string {
  return `${connectorId}/${measurand}/${phase ?? ''}`;
}

export class Registry {
  private readonly chargers = new Map<string, LiveCharger>();

  get(id: string): LiveCharger | undefined {
    return this.chargers.get(id);
  }

  ensure(id: string): LiveCharger {
    let c = this.chargers.get(id);
    if (!c) {
      c = { id, online: false, booted: false, connectors: new Map(), latest: new Map() };
      this.chargers.set(id, c);
    }
    return c;
  }

  list(): LiveCharger[] {
    return [...this.chargers.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  connection(id: string): AcceptedConnection | undefined {
    const c = this.chargers.get(id);
    return c?.online ? c.connection : undefined;
  }

  /** The latest value of a measurand on a connector (phase optional), as a number. */
  latestValue(id: string, connectorId: number, measurand: string, phase?: string): number | undefined {
    const s = this.chargers.get(id)?.latest.get(meterKey(connectorId, measurand, phase));
    return s ? Number(s.value) : undefined;
  }

  /**
   * Forgets the latest power and current readings of a connector (a session ended) or of every
   * connector (the charger went offline): a flow is live, and the next session must not start
   * from the last one's values (gateway/live-flows.ts). Energy stays.
   */
  forgetFlows(id: string, connectorId?: number): void {
    const latest = this.chargers.get(id)?.latest;
    if (!latest) return;
    for (const [key, sample] of latest) {
      if (FLOW_MEASURANDS.includes(sample.measurand) && (connectorId === undefined || sample.connectorId === connectorId)) latest.delete(key);
    }
  }
}
